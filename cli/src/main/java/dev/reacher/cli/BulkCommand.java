package dev.reacher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.results.ResultFormat;
import dev.reacher.server.webhook.TaskWebhook;
import dev.reacher.server.webhook.Webhook;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code reacher bulk submit|status|results}: a client of a running server's bulk API. Machine-readable
 * output (the job id, the progress JSON, the results) goes to stdout, everything for people to stderr.
 * Exit codes: 0 done, 1 the server could not be reached or refused, 2 bad arguments.
 */
@Command(name = "bulk", mixinStandardHelpOptions = true,
        description = {"Bulk jobs on a running server (reacher serve): submit a file of addresses, follow it, fetch the results.",
                "The server is --server, else $RCH_SERVER, else http://127.0.0.1:8080."},
        subcommands = {BulkCommand.Submit.class, BulkCommand.Status.class, BulkCommand.Results.class})
final class BulkCommand implements Runnable {
    static final int EXIT_FAILED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: submit, status or results");
    }

    /** What every subcommand shares: where the server is, the secret, and turning a failure into exit code 1. */
    abstract static class ServerCall implements Callable<Integer> {
        @Option(names = "--server", defaultValue = "${env:RCH_SERVER:-http://127.0.0.1:8080}", paramLabel = "URL",
                description = "The server's base URL (default: $RCH_SERVER, else http://127.0.0.1:8080).")
        String server;

        @Option(names = "--secret", defaultValue = "${env:RCH_SECRET}", paramLabel = "SECRET",
                description = "Sent as x-reacher-secret (prefer the RCH_SECRET env var: flags show in `ps`).")
        String secret;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public final Integer call() {
            BulkClient client = new BulkClient(serverUri(), secret);
            try {
                return call(client);
            } catch (BulkClient.Failure e) {
                System.err.println("reacher: " + e.getMessage());
                return EXIT_FAILED;
            } catch (IOException e) {
                System.err.println("reacher: " + e);
                return EXIT_FAILED;
            }
        }

        abstract int call(BulkClient client) throws BulkClient.Failure, IOException;

        private URI serverUri() {
            try {
                URI uri = new URI(server.strip());
                if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                        && uri.getHost() != null && uri.getQuery() == null && uri.getFragment() == null) {
                    return uri;
                }
            } catch (java.net.URISyntaxException e) {
                // reported below
            }
            throw usage("--server: expected a URL such as http://127.0.0.1:8080, got \"" + server + "\"");
        }

        CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Create a bulk job from FILE and print its id on stdout.",
                    "FILE: one address a line, blank lines and # comments skipped; - reads stdin.",
                    "With --wait, follow the job until it is Completed (progress on stderr)."})
    static final class Submit extends ServerCall {
        @Parameters(index = "0", paramLabel = "FILE|-", description = "The addresses.")
        String file;

        @Option(names = "--webhook-url", paramLabel = "URL",
                description = "POST each result to URL as it is stored (on_each_email).")
        String webhookUrl;

        @Option(names = "--webhook-header", paramLabel = "'NAME: VALUE'",
                description = "A header for the webhook's requests; repeatable.")
        List<String> webhookHeaders = new ArrayList<>();

        @Option(names = "--wait", description = "Poll the job's progress until it is Completed.")
        boolean await;

        @Option(names = "--poll-interval", defaultValue = "2s", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "With --wait: time between polls, e.g. 500ms, 2s, 1m (default: ${DEFAULT-VALUE}).")
        Duration pollInterval;

        @Override
        int call(BulkClient client) throws BulkClient.Failure, IOException {
            BulkClient.JobRequest job = jobRequest(webhook());
            if (job.addresses() == 0) {
                System.err.println("reacher: " + ("-".equals(file) ? "stdin" : file) + " holds no address");
                return EXIT_FAILED;
            }
            long jobId = client.submit(job);
            PrintStream out = System.out;
            out.println(jobId);
            out.flush();
            System.err.println("job " + jobId + ": " + job.addresses() + " addresses submitted to " + client.base());
            return await ? new ProgressWatch(client, jobId, pollInterval).await() : 0;
        }

        private TaskWebhook webhook() {
            if (webhookUrl == null) {
                if (!webhookHeaders.isEmpty()) {
                    throw usage("--webhook-header needs --webhook-url");
                }
                return null;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 0; i < webhookHeaders.size(); i++) {
                String header = webhookHeaders.get(i);
                int colon = header.indexOf(':');
                if (colon <= 0 || header.substring(0, colon).isBlank()) {
                    // The value may be a token: name the header by its position, never print it.
                    throw usage("--webhook-header #" + (i + 1) + ": expected 'NAME: VALUE'");
                }
                headers.put(header.substring(0, colon).strip(), header.substring(colon + 1).strip());
            }
            return TaskWebhook.onEachEmail(new Webhook(webhookUrl, headers, null));
        }

        private BulkClient.JobRequest jobRequest(TaskWebhook webhook) throws IOException {
            try (AddressFile addresses = AddressFile.open(file)) {
                return BulkClient.JobRequest.of(addresses, webhook);
            } catch (NoSuchFileException e) {
                throw usage("no such file: " + file);
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Print a job's progress (GET /v1/bulk/{id}) as JSON on stdout.")
    static final class Status extends ServerCall {
        @Parameters(index = "0", paramLabel = "JOB_ID", description = "The id bulk submit printed.")
        long jobId;

        @Override
        int call(BulkClient client) throws BulkClient.Failure {
            String body = client.progress(jobId);
            PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
            try {
                out.println(ReacherJson.writePretty(ReacherJson.mapper().readTree(body)));
            } catch (IOException notJson) {
                out.println(body);
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "results", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Fetch a finished job's results (GET /v1/bulk/{id}/results), streamed to stdout or --output.",
                    "Without --limit the server sends 50 results for json and all of them for csv."})
    static final class Results extends ServerCall {
        @Parameters(index = "0", paramLabel = "JOB_ID", description = "The id bulk submit printed.")
        long jobId;

        @Option(names = "--format", defaultValue = "json", paramLabel = "json|csv",
                description = "json ({\"results\":[…]}) or csv (header first) (default: ${DEFAULT-VALUE}).")
        ResultFormat format;

        @Option(names = "--limit", paramLabel = "N", description = "At most N results.")
        Long limit;

        @Option(names = "--offset", paramLabel = "N", description = "Skip the first N results.")
        Long offset;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.")
        Path output;

        @Override
        int call(BulkClient client) throws BulkClient.Failure, IOException {
            if (limit != null && limit < 0 || offset != null && offset < 0) {
                throw usage("--limit and --offset must not be negative");
            }
            if (output == null) {
                try {
                    client.results(jobId, format, limit, offset, () -> new Stdout(System.out));
                } catch (IOException e) {
                    throw new BulkClient.Failure("job " + jobId + ": the results stopped half-way: " + e.getMessage());
                }
                return 0;
            }
            try {
                client.results(jobId, format, limit, offset, () -> Files.newOutputStream(output));
            } catch (IOException e) {
                Files.deleteIfExists(output); // no half a file that looks whole
                throw new BulkClient.Failure("job " + jobId + ": the results stopped half-way (" + output + " removed): "
                        + e.getMessage());
            }
            System.err.println("job " + jobId + ": results written to " + output);
            return 0;
        }
    }

    /** Polls a job's progress until it is Completed, with a progress line on stderr. */
    static final class ProgressWatch {
        private final BulkClient client;
        private final long jobId;
        private final Duration interval;
        private final boolean terminal = CheckCommand.Progress.isTerminal();

        ProgressWatch(BulkClient client, long jobId, Duration interval) {
            this.client = client;
            this.jobId = jobId;
            this.interval = interval;
        }

        int await() throws BulkClient.Failure {
            String last = null;
            while (true) {
                JsonNode progress;
                try {
                    progress = ReacherJson.mapper().readTree(client.progress(jobId));
                } catch (BulkClient.Failure e) {
                    throw new BulkClient.Failure(e.getMessage() + " (job " + jobId + " was submitted: follow it with "
                            + "`reacher bulk status " + jobId + "`)");
                } catch (IOException e) {
                    throw new BulkClient.Failure("job " + jobId + ": progress is not JSON: " + e.getMessage());
                }
                boolean done = "Completed".equals(progress.path("job_status").asText());
                String line = describe(progress);
                if (terminal) {
                    System.err.print("\r" + line);
                } else if (!line.equals(last)) {
                    System.err.println(line); // a log, not a screen: one line per change
                }
                last = line;
                if (done) {
                    if (terminal) {
                        System.err.println();
                    }
                    return 0;
                }
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BulkClient.Failure("interrupted while waiting for job " + jobId);
                }
            }
        }

        private String describe(JsonNode p) {
            JsonNode s = p.path("summary");
            return String.format(Locale.ROOT, "job %d: %s %d/%d (safe %d, risky %d, invalid %d, unknown %d)", jobId,
                    p.path("job_status").asText("?"), p.path("total_processed").asLong(), p.path("total_records").asLong(),
                    s.path("total_safe").asLong(), s.path("total_risky").asLong(), s.path("total_invalid").asLong(),
                    s.path("total_unknown").asLong());
        }
    }

    /** {@code 500ms}, {@code 2s}, {@code 1m}, or a plain number of seconds; more than zero. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m)?");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value.strip());
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("expected a duration such as 500ms, 2s or 1m, got \"" + value + "\"");
            }
            double amount = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double millis = switch (unit) {
                case "ms" -> amount;
                case "m" -> amount * 60_000;
                default -> amount * 1_000;
            };
            if (millis < 1) {
                throw new CommandLine.TypeConversionException("expected a duration of at least 1ms, got \"" + value + "\"");
            }
            return Duration.ofMillis(Math.round(millis));
        }
    }

    /**
     * stdout for streaming: flushed but never closed. {@link PrintStream} swallows write errors, so
     * each chunk checks for one: a closed pipe ({@code | head}) or a full disk stops the download
     * instead of reading a million rows into nowhere.
     */
    static final class Stdout extends OutputStream {
        private final PrintStream out;

        Stdout(PrintStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            if (out.checkError()) {
                throw new IOException("stdout was closed (or could not be written)");
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            out.flush();
        }
    }
}
