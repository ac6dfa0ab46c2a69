package dev.reacher.cli;

import dev.reacher.server.ReacherServer;
import dev.reacher.server.ServerLogging;
import dev.reacher.server.config.BackendConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code reacher serve}: the HTTP backend, a drop-in for Reacher's {@code reacher_backend}. Reads
 * {@code backend_config.toml} (optional) and the {@code RCH__} variables; a bad value stops it with
 * one line on stderr and exit code 2. SIGTERM/SIGINT stop it gracefully.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the HTTP backend (Reacher's API: /v0/check_email, /v1/check_email, …).",
                "Configuration: --config FILE, else $RCH__CONFIG_FILE, else ./backend_config.toml if present,",
                "else built-in defaults; RCH__* environment variables override it (see docs/configuration.md)."})
final class ServeCommand implements Callable<Integer> {
    static final int EXIT_BAD_CONFIG = 2;
    static final int EXIT_CANNOT_START = 1;

    @Mixin
    ConfigOption configOption;

    @Override
    public Integer call() throws InterruptedException {
        BackendConfig backend = configOption.loadOrReport();
        if (backend == null) {
            return EXIT_BAD_CONFIG;
        }
        ServerLogging.configure();
        ReacherServer server;
        try {
            server = ReacherServer.start(backend);
        } catch (IllegalStateException e) {
            System.err.println("reacher: cannot start the server: " + e.getMessage()); // storage or broker
            return EXIT_CANNOT_START;
        } catch (RuntimeException e) {
            System.err.println("reacher: cannot start the server on " + backend.httpHost() + ":" + backend.httpPort() + ": "
                    + e.getMessage());
            return EXIT_CANNOT_START;
        }
        // SIGTERM (docker stop, Kubernetes) runs this hook: in-flight verifications get shutdown_timeout.
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "reacher-shutdown"));
        // SIGHUP and proxy list changes reload the proxies (docs/proxies.md, "Changing proxies while running").
        server.reloadOn(configOption::load);
        server.awaitStop();
        return 0;
    }
}
