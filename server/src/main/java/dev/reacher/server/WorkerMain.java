package dev.reacher.server;

import dev.reacher.server.config.ConfigException;
import dev.reacher.server.config.ConfigLoader;
import java.nio.file.Path;

/**
 * {@code reacher worker} without the CLI jar's picocli: the same configuration (a
 * {@code backend_config.toml} from {@code RCH__CONFIG_FILE} or the working directory, then the
 * {@code RCH__} variables), the same {@link ReacherWorker}. Prints {@code worker ready} once it
 * consumes; SIGTERM stops it gracefully.
 *
 * <pre>
 * RCH__WORKER__ENABLE=true RCH__WORKER__RABBITMQ__URL=amqp://… RCH__STORAGE__POSTGRES__DB_URL=postgres://… \
 *     java -cp reacher.jar dev.reacher.server.WorkerMain
 * </pre>
 */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) throws InterruptedException {
        ReacherWorker worker;
        try {
            worker = ReacherWorker.start(ConfigLoader.load(null, System.getenv(), Path.of("").toAbsolutePath()));
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("reacher: invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(worker::stop, "worker-shutdown"));
        System.out.println("worker ready"); // tests wait for this line
        System.out.flush();
        worker.awaitStop();
    }
}
