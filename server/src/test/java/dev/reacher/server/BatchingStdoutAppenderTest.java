package dev.reacher.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every line reaches stdout, whole and in each thread's order, by the time the appender stops. */
class BatchingStdoutAppenderTest {
    @Test
    void writesEveryLineInOrder() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        LoggerContext context = new LoggerContext();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        BatchingStdoutAppender appender = new BatchingStdoutAppender();
        appender.setContext(context);
        appender.setEncoder(encoder);
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            appender.start();
            Logger log = context.getLogger("test");
            log.setLevel(Level.INFO);
            log.addAppender(appender);
            log.info("first");
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        log.info("t" + id + " " + i);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            appender.stop();
        } finally {
            System.setOut(original);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(1 + 8 * 2_000).startsWith("first");
        for (int t = 0; t < 8; t++) {
            String prefix = "t" + t + " ";
            List<String> mine = lines.stream().filter(l -> l.startsWith(prefix)).toList();
            assertThat(mine).hasSize(2_000);
            for (int i = 0; i < mine.size(); i++) {
                assertThat(mine.get(i)).isEqualTo(prefix + i);
            }
        }
    }
}
