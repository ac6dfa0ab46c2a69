package dev.reacher.cli;

import static dev.reacher.cli.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reacher.testkit.LoopbackPorts;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reacher bulk} without a server: bad arguments (exit 2) and a server that is not there (exit 1). */
class BulkCommandArgumentsTest {
    private static final String SECRET = "s3cret-header-value";

    @TempDir
    Path dir;

    @Test
    void anUnreachableServerIsExitCode1WithOneClearLine() throws Exception {
        int port = LoopbackPorts.freePort(); // nothing listens there
        String url = "http://127.0.0.1:" + port;
        Path file = Files.write(dir.resolve("unreachable.txt"), List.of("a@bulk.test"));
        Cli.Run submit = run("bulk", "submit", file.toString(), "--server", url, "--secret", SECRET);
        assertThat(submit.exit()).isEqualTo(1);
        assertThat(submit.out()).isEmpty();
        assertThat(submit.err()).isEqualTo("reacher: cannot reach the server at " + url + ": connection refused"
                + System.lineSeparator());
        assertThat(run("bulk", "status", "1", "--server", url).err()).startsWith("reacher: cannot reach the server at " + url);
        assertThat(run("bulk", "results", "1", "--server", url).exit()).isEqualTo(1);
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        Path file = Files.write(dir.resolve("args.txt"), List.of("a@bulk.test"));
        Path empty = Files.write(dir.resolve("empty.txt"), List.of("# nothing", ""));
        assertThat(run("bulk").exit()).isEqualTo(2);
        assertThat(run("bulk", "submit").exit()).isEqualTo(2);
        assertThat(run("bulk", "status", "twelve").exit()).isEqualTo(2);
        assertThat(run("bulk", "status", "1", "--server", "ftp://example.test").err()).contains("--server: expected a URL");
        assertThat(run("bulk", "status", "1", "--server", "ftp://example.test").exit()).isEqualTo(2);
        assertThat(run("bulk", "results", "1", "--format", "xml").exit()).isEqualTo(2);
        assertThat(run("bulk", "results", "1", "--limit", "-1").exit()).isEqualTo(2);
        assertThat(run("bulk", "submit", file.toString(), "--poll-interval", "soon").exit()).isEqualTo(2);
        Path nope = dir.resolve("nope.txt");
        assertOneLine(run("bulk", "submit", nope.toString()), "reacher: no such file: " + nope);
        assertOneLine(run("bulk", "submit", dir.toString()), "reacher: " + dir + " is a directory, not a file of addresses");
        assertThat(run("bulk", "submit", file.toString(), "--webhook-header", "X-A: b").err())
                .contains("--webhook-header needs --webhook-url");
        Cli.Run header = run("bulk", "submit", file.toString(), "--webhook-url", "http://127.0.0.1:1/",
                "--webhook-header", "token-without-a-name");
        assertThat(header.exit()).isEqualTo(2);
        assertThat(header.err()).contains("--webhook-header #1: expected 'NAME: VALUE'").doesNotContain("token-without");
        Cli.Run nothing = run("bulk", "submit", empty.toString(), "--server", "http://127.0.0.1:1");
        assertThat(nothing.exit()).isEqualTo(1);
        assertThat(nothing.err()).isEqualTo("reacher: " + empty + " holds no address" + System.lineSeparator());
    }

    /** A local problem: exactly one line on stderr (no usage, no stack trace), nothing on stdout, exit 2. */
    static void assertOneLine(Cli.Run r, String line) {
        assertThat(r.err()).isEqualTo(line + System.lineSeparator());
        assertThat(r.out()).isEmpty();
        assertThat(r.exit()).isEqualTo(2);
    }

    @Test
    void resultsToAMissingDirectorySayTheDirectoryIsMissingBeforeAskingTheServer() {
        int port = LoopbackPorts.freePort(); // not asked: a server that is not there would be exit 1
        assertOneLine(run("bulk", "results", "7", "-o", "/nonexistent/x.csv", "--server", "http://127.0.0.1:" + port),
                "reacher: --output /nonexistent/x.csv: the directory /nonexistent does not exist");
        assertOneLine(run("bulk", "results", "7", "-o", dir.toString(), "--server", "http://127.0.0.1:" + port),
                "reacher: --output " + dir + " is a directory; give a file name");
    }

    @Test
    void pollIntervalsReadLikePeopleWriteThem() {
        DurationConverter c = new DurationConverter();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.convert("1.5")).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.convert("1m")).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void resultsStopWhenStdoutCannotBeWritten() {
        OutputStream closedPipe = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        BulkCommand.Stdout out = new BulkCommand.Stdout(new PrintStream(closedPipe, false, StandardCharsets.UTF_8));
        assertThatThrownBy(() -> out.write("input,is_reachable\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessageContaining("stdout was closed");
    }
}
