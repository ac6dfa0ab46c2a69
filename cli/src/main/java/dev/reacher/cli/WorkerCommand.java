package dev.reacher.cli;

import dev.reacher.server.ReacherWorker;
import dev.reacher.server.ServerLogging;
import dev.reacher.server.config.BackendConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code reacher worker}: a scale-out worker without HTTP. Same configuration as {@code serve}
 * (file and {@code RCH__} variables); needs worker mode (RabbitMQ + PostgreSQL). SIGTERM stops it
 * gracefully: no new tasks, those in hand are finished, stored and acked.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a bulk worker: consume the RabbitMQ queue and store results in PostgreSQL.",
                "Needs RCH__WORKER__ENABLE=true, RCH__WORKER__RABBITMQ__URL and RCH__STORAGE__POSTGRES__DB_URL",
                "(or the same keys in the configuration file); see docs/scaling.md."})
final class WorkerCommand implements Callable<Integer> {

    @Mixin
    ConfigOption configOption;

    @Override
    public Integer call() throws InterruptedException {
        BackendConfig backend = configOption.loadOrReport();
        if (backend == null) {
            return ServeCommand.EXIT_BAD_CONFIG;
        }
        ServerLogging.configure();
        ReacherWorker worker;
        try {
            worker = ReacherWorker.start(backend);
        } catch (IllegalArgumentException e) {
            System.err.println("reacher: " + e.getMessage());
            return ServeCommand.EXIT_BAD_CONFIG;
        } catch (RuntimeException e) {
            System.err.println("reacher: cannot start the worker: " + e.getMessage());
            return ServeCommand.EXIT_CANNOT_START;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(worker::stop, "reacher-worker-shutdown"));
        worker.reloadOn(configOption::load);
        worker.awaitStop();
        return 0;
    }
}
