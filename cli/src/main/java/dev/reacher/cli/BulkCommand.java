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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
        subcommands = {BulkCommand.Submit.class, BulkCommand.Status.class, BulkCommand.Results.class,
                BulkCommand.Cancel.class, BulkCommand.ListJobs.class})
final class BulkCommand implements Runnable {
    static final int EXIT_FAILED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: submit, status, results, cancel or list");
    }

    /** A local file or directory given on the command line that cannot be used: one line, exit 2, nothing sent. */
    static final class BadInput extends Exception {
        BadInput(String message) {
            super(message);
        }
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
            } catch (BadInput e) {
                System.err.println("reacher: " + e.getMessage());
                return CheckCommand.EXIT_USAGE;
            } catch (BulkClient.Failure e) {
                System.err.println("reacher: " + e.getMessage());
                return EXIT_FAILED;
            } catch (IOException e) {
                System.err.println("reacher: " + e);
                return EXIT_FAILED;
            }
        }

        abstract int call(BulkClient client) throws BulkClient.Failure, IOException, BadInput;

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

    /** A subcommand about one job, named by the id {@code bulk submit} printed. */
    abstract static class JobCall extends ServerCall {
        @Parameters(index = "0", paramLabel = "JOB_ID", description = "The id bulk submit printed.")
        long jobId;
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
        int call(BulkClient client) throws BulkClient.Failure, IOException, BadInput {
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

        private BulkClient.JobRequest jobRequest(TaskWebhook webhook) throws IOException, BadInput {
            try (AddressFile addresses = AddressFile.open(file)) {
                return BulkClient.JobRequest.of(addresses, webhook);
            } catch (AddressFile.Unreadable e) {
                throw new BadInput(e.getMessage());
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Print a job's progress (GET /v1/bulk/{id}) as JSON on stdout.")
    static final class Status extends JobCall {
        @Override
        int call(BulkClient client) throws BulkClient.Failure {
            JsonNode progress = printJson(client.progress(jobId));
            if (progress != null && Terminal.stderr()) {
                System.err.println(ProgressWatch.describe(jobId, progress, Double.NaN));
                if (progress.hasNonNull("waiting")) {
                    System.err.println("job " + jobId + ": " + progress.get("waiting").asText());
                }
            }
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Cancel a job (DELETE /v1/bulk/{id}): addresses not yet verified are dropped, stored results kept.",
                    "Prints the job's progress JSON (job_status Cancelled) on stdout."})
    static final class Cancel extends JobCall {
        @Override
        int call(BulkClient client) throws BulkClient.Failure {
            JsonNode progress = printJson(client.cancel(jobId));
            if (progress != null) {
                System.err.println("job " + jobId + ": " + progress.path("job_status").asText("?") + " with "
                        + progress.path("total_processed").asLong() + " of " + progress.path("total_records").asLong()
                        + " results kept");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
            description = "List recent jobs, newest first (GET /v1/bulk): one line each on stdout, or --json.")
    static final class ListJobs extends ServerCall {
        @Option(names = "--limit", defaultValue = "20", paramLabel = "N", description = "At most N jobs (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--offset", defaultValue = "0", paramLabel = "N", description = "Skip the N most recent.")
        long offset;

        @Option(names = "--json", description = "Print the server's JSON ({\"jobs\":[…]}) instead.")
        boolean json;

        @Override
        int call(BulkClient client) throws BulkClient.Failure {
            String body = client.jobs(limit, offset);
            if (json) {
                printJson(body);
                return 0;
            }
            PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
            try {
                for (JsonNode job : ReacherJson.mapper().readTree(body).path("jobs")) {
                    out.println(ProgressWatch.describe(job.path("job_id").asLong(), job, Double.NaN)
                            + " created " + job.path("created_at").asText());
                }
            } catch (IOException e) {
                throw new BulkClient.Failure("the server at " + client.base() + " answered something that is not JSON");
            }
            out.flush();
            return 0;
        }
    }

    /** Pretty-prints a JSON answer on stdout (as it came when it is not JSON); returns it parsed, or null. */
    static JsonNode printJson(String body) {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        JsonNode tree = null;
        try {
            tree = ReacherJson.mapper().readTree(body);
            out.println(ReacherJson.writePretty(tree));
        } catch (IOException notJson) {
            out.println(body);
        }
        out.flush();
        return tree;
    }

    @Command(name = "results", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Fetch a finished job's results (GET /v1/bulk/{id}/results), streamed to stdout or --output.",
                    "Without --limit the server sends 50 results for json and all of them for csv."})
    static final class Results extends JobCall {
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
        int call(BulkClient client) throws BulkClient.Failure, IOException, BadInput {
            if (limit != null && limit < 0 || offset != null && offset < 0) {
                throw usage("--limit and --offset must not be negative");
            }
            if (output != null) {
                checkWritable(output);
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

        /** Before anything is asked of the server: the file's directory exists and a file can be made there. */
        private static void checkWritable(Path output) throws BadInput {
            if (Files.isDirectory(output)) {
                throw new BadInput("--output " + output + " is a directory; give a file name");
            }
            Path dir = output.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                throw new BadInput("--output " + output + ": the directory " + dir + " does not exist");
            }
            if (dir != null && !Files.isWritable(dir)) {
                throw new BadInput("--output " + output + ": cannot write in " + dir + " (permission denied)");
            }
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
