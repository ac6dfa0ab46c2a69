package dev.reacher.server.testing;

import dev.reacher.server.ReacherServer;
import dev.reacher.server.config.ConfigLoader;
import java.nio.file.Path;

/**
 * {@code reacher serve} in a child JVM without the CLI module: the same configuration path
 * (environment) and the same {@link ReacherServer}. Prints {@code listening <port>} when ready.
 */
public final class ServerProcess {
    public static void main(String[] args) throws Exception {
        ReacherServer server = ReacherServer.start(ConfigLoader.load(null, System.getenv(), Path.of("").toAbsolutePath()));
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        System.out.println("listening " + server.port());
        System.out.flush();
        server.awaitStop();
    }
}
