package dev.reacher.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A JVM running a main class of the test classpath (surefire's manifest jar carries the whole
 * classpath), with its output copied to {@code target/child-logs/<name>.log}. {@link #kill()} is
 * {@code kill -9}; {@link #stop()} is SIGTERM (graceful).
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final String name;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;

    private ChildJvm(Process process, String name, String readyLine, Path log) {
        this.process = process;
        this.name = name;
        this.reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    var out = Files.newBufferedWriter(log)) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                    out.write(line);
                    out.newLine();
                    out.flush();
                    if (line.contains(readyLine)) {
                        ready.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    public static ChildJvm start(String name, String readyLine, Class<?> main, String... args) throws IOException {
        return start(name, readyLine, java.util.Map.of(), main, args);
    }

    /** With {@code env} added to the environment, after removing every inherited {@code RCH__} variable. */
    public static ChildJvm start(String name, String readyLine, java.util.Map<String, String> env, Class<?> main,
            String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx384m");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Path logs = Path.of("target", "child-logs");
        Files.createDirectories(logs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.toUpperCase(java.util.Locale.ROOT).startsWith("RCH__"));
        pb.environment().putAll(env);
        Process p = pb.start();
        return new ChildJvm(p, name, readyLine, logs.resolve(name + ".log"));
    }

    /** Waits for the ready line; fails with the child's output if it exits or takes too long. */
    public ChildJvm awaitReady(Duration timeout) throws InterruptedException {
        if (!ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " not ready within " + timeout + "; output:\n" + String.join("\n", lines));
        }
        return this;
    }

    public List<String> output() {
        return List.copyOf(lines);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, like a crash or an OOM kill. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the process stops gracefully. Returns the exit code. */
    public int stop(Duration timeout) throws InterruptedException {
        // Process.destroy() ended the child here without running its shutdown hooks; kill(1) does run them.
        try {
            new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).inheritIO().start().waitFor();
        } catch (IOException e) {
            process.destroy();
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        drain();
        return process.exitValue();
    }

    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still running after " + timeout + "; output:\n" + String.join("\n", lines));
        }
        drain();
        return process.exitValue();
    }

    /** Waits until the output of an ended process is read to the end. */
    private void drain() throws InterruptedException {
        reader.join(Duration.ofSeconds(10));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
