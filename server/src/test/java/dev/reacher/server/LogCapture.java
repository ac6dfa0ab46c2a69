package dev.reacher.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Records every log event (all loggers, {@code dev.reacher} down to DEBUG) while open, rendered
 * with messages, arguments and exception chains, so a test can search everything that would have
 * reached the log.
 */
public final class LogCapture implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root;
    private final Logger reacher;
    private final Level previousLevel;

    public LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        reacher = context.getLogger("dev.reacher");
        previousLevel = reacher.getLevel();
        reacher.setLevel(Level.DEBUG);
        appender.setContext(context);
        appender.start();
        root.addAppender(appender);
    }

    /** Every event so far, one string each: level, logger, message, then the exception chain. */
    public List<String> lines() {
        return List.copyOf(appender.list).stream().map(LogCapture::render).toList();
    }

    public String all() {
        return String.join("\n", lines());
    }

    private static String render(ILoggingEvent e) {
        StringBuilder sb = new StringBuilder().append(e.getLevel()).append(' ').append(e.getLoggerName()).append(" - ")
                .append(e.getFormattedMessage());
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            sb.append("\n").append(t.getClassName()).append(": ").append(t.getMessage());
            for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
                sb.append("\n\t").append(frame.getSTEAsString());
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
        reacher.setLevel(previousLevel);
    }
}
