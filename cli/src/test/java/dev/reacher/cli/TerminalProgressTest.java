package dev.reacher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress where a person looks: the CLI run as a separate process under a pseudo-terminal
 * ({@code script(1)}) draws its progress on stderr, redrawn in place with rate and ETA, while stdout
 * (a file, or {@code $(…)}) gets only results; with pipes it draws nothing of the kind.
 */
class TerminalProgressTest {
    private static final String SECRET = "pty-secret";
    private static final String STALLED = ": no new result for ";

    @TempDir
    static Path dir;
    private static DnsFixture dns;
    private static ScriptedSmtpServer smtp;
    private static BulkServer bulk;

    @BeforeAll
    static void start() throws Exception {
        smtp = ScriptedSmtpServer.start().defaultRcpt(Reply.delayed(Duration.ofMillis(150), Reply.lines("550 5.1.1 unknown")));
        dns = DnsFixture.start().mx("pty.test", 10, "127.0.0.1");
        bulk = BulkServer.start(dir, SECRET);
    }

    @AfterAll
    static void stop() throws Exception {
        bulk.close();
        smtp.close();
        dns.close();
    }

    private static Path addresses(int n) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add("user" + i + "@pty.test");
        }
        return Files.write(Files.createTempFile(dir, "emails", ".txt"), lines);
    }

    private static String check(Path file) {
        return Pty.reacher(List.of("check", "--file", file.toString(), "--concurrency", "2", "--dns-servers", dns.address(),
                "--smtp-port", String.valueOf(smtp.port()), "--hello-name", "probe.test", "--from-email", "p@client.test"));
    }

    @Test
    void checkFileRedirectedToAFileDrawsTheBarOnTheTerminalWithRateAndEta() throws Exception {
        Path file = addresses(24);
        Path results = dir.resolve("results-tty.jsonl");
        Pty.Result r = Pty.terminal(check(file) + " > " + Pty.quote(results.toString()), Map.of(), dir);
        assertThat(r.exit()).as(r.out()).isZero();

        String screen = r.out();
        assertThat(screen).contains("\r" + file + " [").contains("/24").contains("/s").contains("ETA ")
                .contains(file + ": 24 checked in ");
        // redrawn in place: the bar's updates are carriage returns on one line, not a line each
        assertThat(screen.split("\r", -1).length).isGreaterThan(3);
        assertThat(Arrays.stream(screen.split("\n")).filter(l -> l.contains("[")).count()).isEqualTo(1);

        List<String> lines = Files.readAllLines(results, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(24);
        for (String line : lines) {
            JsonNode json = ReacherJson.mapper().readTree(line); // nothing but results on stdout
            assertThat(json.get("is_reachable").asText()).isEqualTo("invalid");
        }
    }

    @Test
    void checkFileWithStderrNotATerminalDrawsNothing() throws Exception {
        Path file = addresses(6);
        Pty.Result r = Pty.pipes(check(file), Map.of(), dir);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines()).hasSize(6);
        assertThat(r.err()).doesNotContain("\r").doesNotContain("ETA").doesNotContain("checked in");
    }

    private static String submit(Path file) {
        return Pty.reacher(List.of("bulk", "submit", file.toString(), "--wait", "--poll-interval", "100ms",
                "--server", bulk.url()));
    }

    @Test
    void bulkSubmitWaitInsideCommandSubstitutionRedrawsOneLine() throws Exception {
        List<String> emails = new ArrayList<>(bulk.addresses("pty", 6));
        emails.add(bulk.slowAddress("pty")); // keeps the job running for a few polls
        Path file = Files.write(Files.createTempFile(dir, "bulk", ".txt"), emails);
        Pty.Result r = Pty.terminal("job=$(" + submit(file) + ") && echo \"JOB=$job\"",
                Map.of("RCH_SECRET", SECRET), dir);
        assertThat(r.exit()).as(r.out()).isZero();

        String screen = r.out();
        String job = Arrays.stream(screen.split("\n")).map(String::strip).filter(l -> l.startsWith("JOB=")).findFirst().orElseThrow().substring(4);
        assertThat(job).matches("\\d+");
        long polls = Arrays.stream(screen.split("\r")).filter(s -> s.contains("job " + job + ": Running")).count();
        assertThat(polls).as(screen).isGreaterThan(2);
        // a person sees: the "submitted" line and one redrawn progress line ending at Completed
        // (String.lines() would split at \r too: a terminal line is what ends in \n)
        // (a stall note may replace the bar once, which is then drawn again below it)
        List<String> shown = Arrays.stream(screen.split("\n")).filter(l -> l.contains("job " + job + ":"))
                .filter(l -> !l.contains(STALLED)).toList();
        assertThat(shown).as(screen).hasSize(2);
        assertThat(shown.get(1)).contains("Completed [########################] 7/7 100%");
    }

    @Test
    void bulkSubmitWaitWithoutATerminalWritesALineOnlyWhenTheStatusChanges() throws Exception {
        List<String> emails = new ArrayList<>(bulk.addresses("pipe", 3));
        emails.add(bulk.slowAddress("pipe"));
        Path file = Files.write(Files.createTempFile(dir, "bulk", ".txt"), emails);
        Pty.Result r = Pty.pipes(submit(file), Map.of("RCH_SECRET", SECRET), dir);
        assertThat(r.exit()).as(r.err()).isZero();
        String job = r.out().strip();
        List<String> progress = r.err().lines().filter(l -> l.startsWith("job " + job + ": ") && !l.contains("submitted"))
                .filter(l -> !l.contains(STALLED)).toList();
        assertThat(r.err()).doesNotContain("\r");
        // about 30 polls; a line for the first and for Completed (and none per poll)
        assertThat(progress).as(r.err()).hasSizeBetween(1, 2);
        assertThat(progress.getLast()).contains("Completed").contains("4/4");
    }

    @Test
    void aJobStuckOnItsLastAddressSaysWhyAndWhenItExpectsToFinish() throws Exception {
        List<String> emails = new ArrayList<>(bulk.addresses("stall", 5));
        emails.add(bulk.slowAddress("stall", Duration.ofSeconds(6))); // the last one: 5/6 for about 6 s
        Path file = Files.write(Files.createTempFile(dir, "bulk", ".txt"), emails);
        Pty.Result r = Pty.terminal("job=$(" + submit(file) + ") && echo \"JOB=$job\"", Map.of("RCH_SECRET", SECRET), dir);
        assertThat(r.exit()).as(r.out()).isZero();

        String screen = r.out();
        String job = Arrays.stream(screen.split("\n")).map(String::strip).filter(l -> l.startsWith("JOB=")).findFirst().orElseThrow().substring(4);
        // once, on a line of its own, after three polls (at least 2 s) without a new result
        List<String> stalled = Arrays.stream(screen.split("[\r\n]")).map(l -> l.replace("\u001b[K", ""))
                .filter(l -> l.contains("job " + job + STALLED))
                .filter(l -> l.contains(" at 5/6: ")).toList(); // a loaded machine may also pause at the start
        assertThat(stalled).as(screen).hasSize(1);
        assertThat(stalled.getFirst()).matches("job " + job + ": no new result for 0:0[2-9] at 5/6: 1 address is being verified: "
                + "waiting on slow mail servers, or on a retry after an unknown result; estimated finish \\d{4}-\\d\\d-\\d\\dT[0-9:]+Z");
        // it replaces the bar drawn so far (one progress line stays on the screen), which goes on below it to Completed
        List<String> shown = Arrays.stream(screen.split("\n")).filter(l -> l.contains("job " + job + ":")).toList();
        assertThat(shown).as(screen).anySatisfy(l -> assertThat(l).endsWith(stalled.getFirst() + "\u001b[K\r"));
        assertThat(shown.stream().filter(l -> !l.contains(STALLED))).as(screen).hasSize(2); // "submitted" and the bar
        assertThat(shown.getLast()).contains("job " + job + ": Completed [########################] 6/6 100%");

        // without a terminal (a log, CI) the same line is written once
        List<String> logged = new ArrayList<>(bulk.addresses("stall-log", 2));
        logged.add(bulk.slowAddress("stall-log", Duration.ofSeconds(6)));
        Pty.Result piped = Pty.pipes(submit(Files.write(Files.createTempFile(dir, "bulk", ".txt"), logged)),
                Map.of("RCH_SECRET", SECRET), dir);
        assertThat(piped.exit()).as(piped.err()).isZero();
        assertThat(piped.err().lines().filter(l -> l.contains(STALLED) && l.contains(" at 2/3: "))).as(piped.err())
                .singleElement().asString().contains(" at 2/3: 1 address is being verified");
    }

    @Test
    void bulkStatusOnATerminalAddsAProgressLineForPeople() throws Exception {
        List<String> emails = bulk.addresses("status", 3);
        Path file = Files.write(Files.createTempFile(dir, "bulk", ".txt"), emails);
        Pty.Result submitted = Pty.pipes(submit(file), Map.of("RCH_SECRET", SECRET), dir);
        String job = submitted.out().strip();
        Path json = dir.resolve("status-" + job + ".json");
        Pty.Result r = Pty.terminal(Pty.reacher(List.of("bulk", "status", job, "--server", bulk.url()))
                + " > " + Pty.quote(json.toString()), Map.of("RCH_SECRET", SECRET), dir);
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("job " + job + ": Completed [########################] 3/3 100%");
        assertThat(ReacherJson.mapper().readTree(json.toFile()).get("job_status").asText()).isEqualTo("Completed");

        Pty.Result piped = Pty.pipes(Pty.reacher(List.of("bulk", "status", job, "--server", bulk.url())),
                Map.of("RCH_SECRET", SECRET), dir);
        assertThat(piped.err()).isEmpty();
    }
}
