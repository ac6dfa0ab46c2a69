package dev.reacher.cli;

import static dev.reacher.cli.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.results.ResultCsv;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reacher bulk submit|status|results} against a real in-process server and its SQLite bulk storage. */
class BulkCommandTest {
    private static final String SECRET = "s3cret-header-value";
    private static final String HEADER = String.join(",", ResultCsv.COLUMNS);

    @TempDir
    static Path dir;
    private static BulkServer server;

    @BeforeAll
    static void start() throws Exception {
        server = BulkServer.start(dir, SECRET);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** {@code reacher bulk ARGS --server URL}, plus the right secret unless ARGS give one. */
    private static Cli.Run bulk(String... args) {
        List<String> all = new ArrayList<>(List.of("bulk"));
        all.addAll(List.of(args));
        all.addAll(List.of("--server", server.url()));
        if (!all.contains("--secret")) {
            all.addAll(List.of("--secret", SECRET));
        }
        return run(all.toArray(String[]::new));
    }

    /** Submits {@code emails} with --wait and returns the job id it printed. */
    private static long submitAndWait(List<String> emails) throws Exception {
        List<String> lines = new ArrayList<>(List.of("# a list for the test", ""));
        lines.addAll(emails);
        Path file = Files.write(Files.createTempFile(dir, "emails", ".txt"), lines);
        Cli.Run r = bulk("submit", file.toString(), "--wait", "--poll-interval", "100ms");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).matches("\\d+\n");
        return Long.parseLong(r.out().strip());
    }

    @Test
    void submitWaitStatusAndResultsInJsonAndCsv() throws Exception {
        List<String> emails = server.addresses("main", 20);
        long job = submitAndWait(emails);

        Cli.Run status = bulk("status", Long.toString(job));
        assertThat(status.exit()).as(status.err()).isZero();
        JsonNode progress = ReacherJson.mapper().readTree(status.out());
        assertThat(progress.get("job_id").asLong()).isEqualTo(job);
        assertThat(progress.get("job_status").asText()).isEqualTo("Completed");
        assertThat(progress.get("total_records").asInt()).isEqualTo(20);
        assertThat(progress.get("total_processed").asInt()).isEqualTo(20);
        assertThat(progress.at("/summary/total_safe").asInt()).isEqualTo(14);
        assertThat(progress.at("/summary/total_invalid").asInt()).isEqualTo(6);
        assertThat(progress.at("/summary/total_risky").asInt() + progress.at("/summary/total_unknown").asInt()).isZero();
        assertThat(status.out()).startsWith("{\n  \"job_id\": " + job + ",");

        Cli.Run json = bulk("results", Long.toString(job), "--limit", "100");
        assertThat(json.exit()).as(json.err()).isZero();
        JsonNode results = ReacherJson.mapper().readTree(json.out()).get("results");
        assertThat(results).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(results.get(i).get("input").asText()).isEqualTo(emails.get(i));
            assertThat(results.get(i).get("is_reachable").asText()).isEqualTo(i % 3 == 2 ? "invalid" : "safe");
        }

        Cli.Run csv = bulk("results", Long.toString(job), "--format", "csv");
        assertThat(csv.exit()).as(csv.err()).isZero();
        List<String> rows = csv.out().lines().toList();
        assertThat(rows).hasSize(21);
        assertThat(rows.get(0)).isEqualTo(HEADER);
        assertThat(rows.get(1)).isEqualTo("ok-main-0@bulk.test,safe,false,false,,true,true,false,false,true,false,true,"
                + "bulk.test,ok-main-0,");
        assertThat(rows.get(3)).isEqualTo("no-main-2@bulk.test,invalid,false,false,,true,true,false,false,false,false,true,"
                + "bulk.test,no-main-2,");
        for (int i = 0; i < 20; i++) {
            assertThat(rows.get(i + 1)).startsWith(emails.get(i) + "," + (i % 3 == 2 ? "invalid" : "safe") + ",");
        }

        // The local check writes the very same CSV for the same addresses.
        Path file = Files.write(dir.resolve("main.txt"), emails);
        Cli.Run local = run("check", "--file", file.toString(), "--format", "csv", "--dns-servers", server.dns.address(),
                "--smtp-port", Integer.toString(server.smtp.port()), "--hello-name", "probe.test",
                "--from-email", "probe@client.test");
        assertThat(local.out()).isEqualTo(csv.out());

        Cli.Run page = bulk("results", Long.toString(job), "--format", "csv", "--limit", "5", "--offset", "10");
        assertThat(page.out().lines().toList()).hasSize(6).first().isEqualTo(HEADER);
        assertThat(page.out().lines().skip(1).map(l -> l.substring(0, l.indexOf(','))).toList())
                .isEqualTo(emails.subList(10, 15));

        Path out = dir.resolve("results.csv");
        Cli.Run toFile = bulk("results", Long.toString(job), "--format", "csv", "--output", out.toString());
        assertThat(toFile.exit()).isZero();
        assertThat(toFile.out()).isEmpty();
        assertThat(toFile.err()).contains("results written to " + out);
        assertThat(Files.readString(out)).isEqualTo(csv.out());
    }

    @Test
    void waitPrintsProgressOnStderrAndOnlyTheIdOnStdout() throws Exception {
        List<String> emails = server.addresses("progress", 3);
        Cli.Run r = Cli.runWithStdin(String.join("\n", emails) + "\n", "bulk", "submit", "-", "--server", server.url(),
                "--secret", SECRET, "--wait", "--poll-interval", "50ms");
        assertThat(r.exit()).as(r.err()).isZero();
        long job = Long.parseLong(r.out().strip());
        assertThat(r.err()).contains("job " + job + ": 3 addresses submitted to " + server.url())
                .containsPattern("job " + job + ": Completed \\[#{24}\\] 3/3 100%  [0-9.]+/s \\(safe 2, risky 0, invalid 1, unknown 0\\)"
                        + System.lineSeparator() + "$");
    }

    @Test
    void aRunningJobHasNoResultsYet() throws Exception {
        Path file = Files.write(dir.resolve("slow.txt"), List.of(server.slowAddress("running")));
        Cli.Run submitted = bulk("submit", file.toString());
        assertThat(submitted.exit()).as(submitted.err()).isZero();
        String job = submitted.out().strip();

        Cli.Run status = bulk("status", job);
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(ReacherJson.mapper().readTree(status.out()).get("job_status").asText()).isEqualTo("Running");
        Cli.Run results = bulk("results", job);
        assertThat(results.exit()).isEqualTo(1);
        assertThat(results.out()).isEmpty();
        assertThat(results.err()).isEqualTo("reacher: the server at " + server.url() + " answered 400: Job " + job
                + " is still running, please try again later" + System.lineSeparator());
        Path out = dir.resolve("running.json");
        assertThat(bulk("results", job, "--output", out.toString()).exit()).isEqualTo(1);
        assertThat(out).doesNotExist();
    }

    @Test
    void webhookGetsEachResultWithItsHeaders() throws Exception {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            List<String> emails = server.addresses("hook", 4);
            Path file = Files.write(dir.resolve("hook.txt"), emails);
            Cli.Run r = bulk("submit", file.toString(), "--wait", "--poll-interval", "100ms",
                    "--webhook-url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                    "--webhook-header", "Authorization: Bearer hook-token");
            assertThat(r.exit()).as(r.err()).isZero();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (bodies.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(authorizations).hasSize(4).containsOnly("Bearer hook-token");
            List<String> inputs = new ArrayList<>();
            for (String body : bodies) {
                inputs.add(ReacherJson.mapper().readTree(body).at("/result/input").asText());
            }
            assertThat(inputs).containsExactlyInAnyOrderElementsOf(emails);
            assertThat(r.err()).doesNotContain("hook-token");
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void wrongOrMissingSecretIsRefusedWithTheServersMessageAndTheSecretIsNeverPrinted() throws Exception {
        Path file = Files.write(dir.resolve("auth.txt"), server.addresses("auth", 2));
        Cli.Run wrong = bulk("submit", file.toString(), "--secret", "not-the-" + SECRET);
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.out()).isEmpty();
        assertThat(wrong.err()).isEqualTo("reacher: the server at " + server.url()
                + " answered 400: Invalid request header \"x-reacher-secret\" (the secret given, from RCH_SECRET or"
                + " --secret, is not the server's RCH__HEADER_SECRET)" + System.lineSeparator())
                .doesNotContain(SECRET);
        Cli.Run missing = run("bulk", "submit", file.toString(), "--server", server.url());
        assertThat(missing.exit()).isEqualTo(1);
        // the client's variable is RCH_SECRET (one underscore); the server's RCH__HEADER_SECRET is not read here
        assertThat(missing.err()).contains("answered 400: Missing request header \"x-reacher-secret\" (no secret given:"
                + " set RCH_SECRET, or --secret, to the server's secret; the client reads RCH_SECRET, not the server's"
                + " RCH__HEADER_SECRET)").hasLineCount(1);
        // reacher-java protects progress and results too (upstream leaves them public)
        assertThat(run("bulk", "status", "1", "--server", server.url()).err())
                .contains("answered 400: Missing request header \"x-reacher-secret\"");
    }

    @Test
    void cancelStopsAJobKeepsItsResultsAndListShowsIt() throws Exception {
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            emails.add(server.slowAddress("cancel-" + i)); // 3 s each, 8 at a time
        }
        Path file = Files.write(dir.resolve("cancel.txt"), emails);
        Cli.Run submitted = bulk("submit", file.toString());
        long job = Long.parseLong(submitted.out().strip());

        // a watcher (submit --wait) sees the cancel and says so, exit 1
        BulkClient client = new BulkClient(java.net.URI.create(server.url()), SECRET);
        Thread canceller = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(500);
                client.cancel(job);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        int watched = new ProgressWatch(client, job, Duration.ofMillis(100), Duration.ofMinutes(1), false).await();
        canceller.join();
        assertThat(watched).isEqualTo(1);

        Cli.Run cancel = bulk("cancel", Long.toString(job));
        assertThat(cancel.exit()).as(cancel.err()).isZero();
        JsonNode progress = ReacherJson.mapper().readTree(cancel.out());
        assertThat(progress.get("job_status").asText()).isEqualTo("Cancelled");
        int kept = progress.get("total_processed").asInt();
        assertThat(kept).isLessThan(20);
        assertThat(cancel.err()).isEqualTo("job " + job + ": Cancelled with " + kept + " of 20 results kept"
                + System.lineSeparator());

        Cli.Run list = bulk("list", "--limit", "3");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out().lines().findFirst().orElseThrow()).startsWith("job " + job + ": Cancelled [");
        Cli.Run json = bulk("list", "--limit", "1", "--json");
        assertThat(ReacherJson.mapper().readTree(json.out()).at("/jobs/0/job_id").asLong()).isEqualTo(job);
        assertThat(bulk("cancel", "999999").exit()).isEqualTo(1);
    }

    @Test
    void versionOfTheCommandAndOfTheServerAgree() throws Exception {
        Cli.Run version = run("--version");
        assertThat(version.exit()).isZero();
        java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "/version")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        JsonNode body = ReacherJson.mapper().readTree(answer.body());
        // one source: the Maven project version, filtered into the server's version.properties
        assertThat(version.out().strip()).isEqualTo(body.get("implementation").asText() + " (Reacher API "
                + body.get("version").asText() + ")");
        assertThat(body.get("implementation").asText()).matches("reacher-java \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    }

    @Test
    void unknownJobIsAnErrorOnStderr() {
        Cli.Run status = bulk("status", "999999");
        assertThat(status.exit()).isEqualTo(1);
        assertThat(status.out()).isEmpty();
        assertThat(status.err()).startsWith("reacher: the server at " + server.url() + " answered ").hasLineCount(1);
        assertThat(bulk("results", "999999").exit()).isEqualTo(1);
    }
}
