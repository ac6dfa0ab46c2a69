package dev.reacher.server;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.LoggerFactory;

/**
 * Switches logback to the server's configuration ({@code logback-server.xml}: INFO on stdout,
 * Jetty quiet). The runnable jar also holds the CLI's {@code logback.xml} (WARN on stderr, since
 * {@code reacher check} prints results on stdout), so {@code reacher serve} reconfigures at startup.
 * An explicit {@code -Dlogback.configurationFile} is left alone.
 */
public final class ServerLogging {
    private ServerLogging() {}

    public static void configure() {
        if (System.getProperty("logback.configurationFile") != null) {
            return;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J backend: its own configuration applies
        }
        URL config = ServerLogging.class.getResource("logback-server.xml");
        if (config == null) {
            return;
        }
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            System.err.println("reacher: could not apply the logging configuration: " + e.getMessage());
        }
    }
}
