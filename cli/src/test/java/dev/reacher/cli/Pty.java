package dev.reacher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code reacher …} as its own process (this test classpath), either under a pseudo-terminal
 * ({@code script(1)} from util-linux: what a person at a terminal sees, stdin and stderr on the pty)
 * or with plain pipes (what a script or CI sees). {@code shellTail} is appended to the command line
 * as shell text, e.g. {@code > out.jsonl}.
 */
final class Pty {
    private Pty() {}

    /** What the process wrote: on a pty, stdout and stderr are one transcript ({@code out}). */
    record Result(int exit, String out, String err) {}

    /** The command line that starts the CLI in a fresh JVM, shell-quoted. */
    static String reacher(List<String> args) {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> words = new ArrayList<>(List.of(java, "-cp", cp, ReacherCommand.class.getName()));
        words.addAll(args);
        StringBuilder s = new StringBuilder();
        for (String w : words) {
            s.append(s.isEmpty() ? "" : " ").append(quote(w));
        }
        return s.toString();
    }

    static String quote(String w) {
        return "'" + w.replace("'", "'\\''") + "'";
    }

    /** {@code shell} under a pseudo-terminal; returns the terminal's transcript. */
    static Result terminal(String shell, Map<String, String> env, Path dir) throws IOException, InterruptedException {
        assertThat(Path.of("/usr/bin/script")).as("script(1) from util-linux (scripts/install-test-peers.sh)").exists();
        return exec(List.of("/usr/bin/script", "-qfec", shell, "/dev/null"), env, dir);
    }

    /** {@code shell} with stdout and stderr as pipes. */
    static Result pipes(String shell, Map<String, String> env, Path dir) throws IOException, InterruptedException {
        return exec(List.of("/bin/sh", "-c", shell), env, dir);
    }

    private static Result exec(List<String> command, Map<String, String> env, Path dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
