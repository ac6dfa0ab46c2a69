package dev.reacher.cli;

import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.server.bulk.ResultCsv;
import dev.reacher.server.bulk.ResultFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code reacher check <email>}: upstream's CLI flags (each also read from its upper-snake env
 * var), plus {@code --file} for many addresses verified concurrently on virtual threads.
 */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Verify one address, or every line of --file (JSON lines or CSV, input order).")
final class CheckCommand implements java.util.concurrent.Callable<Integer> {
    /** picocli's code for a usage error, also used for a --file that cannot be read. */
    static final int EXIT_USAGE = 2;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<to_email>", description = "The address to verify.")
    String toEmail;

    @Option(names = "--file", paramLabel = "FILE",
            description = "Verify every address in FILE (one per line; blank lines and # comments skipped; - for stdin).")
    String file;

    @Option(names = "--format", defaultValue = "json", paramLabel = "json|csv",
            description = "json: pretty JSON for one address, JSON lines with --file; csv: the columns of "
                    + "GET /v1/bulk/{id}/results?format=csv, header first (default: ${DEFAULT-VALUE}).")
    ResultFormat format;

    @Option(names = "--concurrency", defaultValue = "${env:CONCURRENCY:-16}",
            description = "With --file: verifications in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--from-email", defaultValue = "${env:FROM_EMAIL:-reacher.email@gmail.com}",
            description = "MAIL FROM address (default: ${DEFAULT-VALUE}).")
    String fromEmail;

    @Option(names = "--hello-name", defaultValue = "${env:HELLO_NAME:-gmail.com}",
            description = "EHLO name (default: ${DEFAULT-VALUE}).")
    String helloName;

    @Option(names = "--proxy-host", defaultValue = "${env:PROXY_HOST}", description = "SOCKS5 proxy host.")
    String proxyHost;

    @Option(names = "--proxy-port", defaultValue = "${env:PROXY_PORT:-1080}",
            description = "SOCKS5 proxy port (default: ${DEFAULT-VALUE}).")
    int proxyPort;

    @Option(names = "--proxy-username", defaultValue = "${env:PROXY_USERNAME}", description = "SOCKS5 username.")
    String proxyUsername;

    @Option(names = "--proxy-password", defaultValue = "${env:PROXY_PASSWORD}",
            description = "SOCKS5 password (prefer the PROXY_PASSWORD env var: flags show in `ps`).")
    String proxyPassword;

    @Option(names = "--proxy-timeout-ms", defaultValue = "${env:PROXY_TIMEOUT_MS}",
            description = "Limit for connecting to the proxy, in milliseconds.")
    Long proxyTimeoutMs;

    @Option(names = "--proxy-dns", defaultValue = "${env:PROXY_DNS:-remote}", paramLabel = "remote|local",
            description = "Who resolves the MX host for proxied connections: the proxy (remote, as upstream) or us (local).")
    SmtpVerifier.ProxyDns proxyDns;

    @Option(names = "--smtp-port", defaultValue = "${env:SMTP_PORT:-25}", description = "SMTP port (default: ${DEFAULT-VALUE}).")
    int smtpPort;

    @Option(names = "--smtp-timeout", defaultValue = "${env:SMTP_TIMEOUT}", paramLabel = "SECONDS",
            description = "Limit for one SMTP attempt, in seconds (default: none, capped at 60 s).")
    Double smtpTimeout;

    @Option(names = "--retries", defaultValue = "${env:RETRIES:-1}",
            description = "Total SMTP attempts when an attempt fails without a verdict (default: ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--check-gravatar", arity = "1", defaultValue = "${env:CHECK_GRAVATAR:-false}",
            description = "true/false: look up a Gravatar image (default: ${DEFAULT-VALUE}).")
    boolean checkGravatar;

    @Option(names = "--haveibeenpwned-api-key", defaultValue = "${env:HAVEIBEENPWNED_API_KEY}",
            description = "Look the address up in HaveIBeenPwned with this API key.")
    String haveibeenpwnedApiKey;

    @Option(names = "--dns-servers", defaultValue = "${env:DNS_SERVERS}", paramLabel = "HOST:PORT[,…]",
            description = "DNS servers for MX and host lookups, e.g. 127.0.0.1:5353 (default: the system resolvers).")
    String dnsServers;

    @Option(names = "--dns-cache-ttl", defaultValue = "${env:DNS_CACHE_TTL:-300}", paramLabel = "SECONDS",
            description = "Reuse DNS answers for their TTL, at most SECONDS (0-86400; 0: ask every time; "
                    + "default: ${DEFAULT-VALUE}).")
    int dnsCacheTtl;

    @Option(names = "--backend-name", defaultValue = "${env:BACKEND_NAME:-reacher-cli}",
            description = "Name written to debug.backend_name (default: ${DEFAULT-VALUE}).")
    String backendName;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (toEmail == null && file == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "nothing to check: give an address (reacher check someone@example.com) or --file FILE");
        }
        if (toEmail != null && file != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either <to_email> or --file, not both");
        }
        if (concurrency < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--concurrency must be at least 1");
        }
        CheckEmailInput template = template();
        DnsServers dns = parseDns();
        AddressFile addresses = null;
        if (file != null) {
            try {
                addresses = AddressFile.open(file); // before anything is built: a wrong name fails at once
            } catch (AddressFile.Unreadable e) {
                System.err.println("reacher: --file: " + e.getMessage());
                return EXIT_USAGE;
            }
        }
        try (EmailVerifier verifier = EmailVerifier.builder().dnsServers(dns).proxyDns(proxyDns).build()) {
            if (toEmail != null) {
                CheckEmailOutput out = verifier.verify(template.withToEmail(toEmail));
                PrintStream stdout = utf8Stdout();
                if (format == ResultFormat.CSV) {
                    stdout.print(csvHeader() + csvLine(out));
                } else {
                    stdout.println(ReacherJson.writePretty(out));
                }
                stdout.flush();
                return 0;
            }
            try (AddressFile opened = addresses) {
                return checkFile(opened, verifier, template);
            }
        }
    }

    private CheckEmailInput template() {
        ProxyConfig proxy = null;
        if (proxyHost != null && !proxyHost.isBlank()) {
            try {
                proxy = new ProxyConfig(proxyHost, proxyPort, proxyUsername, proxyPassword, proxyTimeoutMs);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--proxy-*: " + e.getMessage());
            }
        }
        SmtpConfig smtp;
        try {
            Duration timeout = smtpTimeout == null ? null : Duration.ofMillis(Math.round(smtpTimeout * 1000));
            smtp = new SmtpConfig(fromEmail, helloName, null, smtpPort, timeout, retries);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return CheckEmailInput.of("")
                .withVerifMethod(VerifMethod.sameForAll(proxy, smtp))
                .withGravatar(checkGravatar)
                .withHaveibeenpwnedApiKey(haveibeenpwnedApiKey)
                .withBackendName(backendName);
    }

    private DnsServers parseDns() {
        if (dnsCacheTtl < 0 || dnsCacheTtl > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--dns-cache-ttl must be a whole number of seconds 0-86400, got " + dnsCacheTtl);
        }
        DnsServers servers;
        try {
            servers = DnsServers.parse(dnsServers); // null or blank: the system resolvers
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dns-servers: " + e.getMessage());
        }
        return servers.withCacheMaxTtl(Duration.ofSeconds(dnsCacheTtl));
    }

    /**
     * Verifies every address of the file with at most {@code concurrency} in flight, printing results
     * in input order: a window of pending results is kept, so memory stays bounded for any file size.
     * The CSV header is printed first, also when the file holds no address.
     */
    private int checkFile(AddressFile addresses, EmailVerifier verifier, CheckEmailInput template)
            throws IOException, InterruptedException {
        PrintStream out = utf8Stdout();
        Progress progress = Progress.forStderr(file);
        Semaphore inFlight = new Semaphore(concurrency);
        Deque<CompletableFuture<String>> window = new ArrayDeque<>();
        int windowLimit = concurrency * 4;
        if (format == ResultFormat.CSV) {
            out.print(csvHeader());
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String email; (email = addresses.next()) != null; ) {
                inFlight.acquire();
                CheckEmailInput input = template.withToEmail(email);
                window.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        CheckEmailOutput result = verifier.verify(input);
                        return format == ResultFormat.CSV ? csvLine(result) : ReacherJson.write(result) + "\n";
                    } finally {
                        inFlight.release();
                        progress.done();
                    }
                }, pool));
                while (window.size() >= windowLimit || (!window.isEmpty() && window.peek().isDone())) {
                    out.print(window.poll().join());
                }
            }
            while (!window.isEmpty()) {
                out.print(window.poll().join());
            }
        } finally {
            out.flush();
            progress.finish();
        }
        return 0;
    }

    /** The same header and cells as the server's CSV results, so the two outputs can be concatenated or diffed. */
    private static String csvHeader() {
        StringWriter line = new StringWriter();
        ResultCsv.writeHeader(line);
        return line.toString();
    }

    private static String csvLine(CheckEmailOutput result) {
        StringWriter line = new StringWriter();
        ResultCsv.writeRow(line, ResultCsv.row(result));
        return line.toString();
    }

    /** JSON and CSV are UTF-8 whatever the platform's console encoding says. */
    private static PrintStream utf8Stdout() {
        return new PrintStream(System.out, false, StandardCharsets.UTF_8);
    }

    /**
     * The progress bar of {@code --file} on stderr, drawn only when stderr is a terminal (whatever
     * stdout is, so {@code > results.jsonl} keeps it), with rate and ETA. The total is counted first
     * for a file; stdin has none, so only the count and rate are shown.
     */
    static final class Progress {
        private final ProgressLine line;
        private final String label;
        private final long total;
        private final AtomicLong done = new AtomicLong();
        private volatile long lastDraw;

        private Progress(ProgressLine line, String label, long total) {
            this.line = line;
            this.label = label;
            this.total = total;
        }

        static Progress forStderr(String file) {
            boolean terminal = Terminal.stderr();
            long total = -1;
            if (terminal && !"-".equals(file)) {
                try (AddressFile addresses = AddressFile.open(file)) {
                    long n = 0;
                    while (addresses.next() != null) {
                        n++;
                    }
                    total = n;
                } catch (AddressFile.Unreadable | IOException e) {
                    total = -1; // the bar goes without a total; reading the list itself reports the problem
                }
            }
            return new Progress(new ProgressLine(System.err, terminal), "-".equals(file) ? "stdin" : file, total);
        }

        void done() {
            long d = done.incrementAndGet();
            long now = System.nanoTime();
            if (line.terminal() && now - lastDraw > 200_000_000L) {
                lastDraw = now;
                draw(d);
            }
        }

        void finish() {
            if (line.terminal()) {
                long d = done.get();
                draw(d);
                line.end();
                System.err.println(label + ": " + d + " checked in " + ProgressLine.clock(line.elapsed())
                        + (d > 0 ? " (" + ProgressLine.rate(d / Math.max(1e-3, line.elapsed().toNanos() / 1e9)) + ")" : ""));
            }
        }

        private void draw(long d) {
            line.redraw(label + " " + ProgressLine.bar(d, total, line.perSecond(d)));
        }
    }
}
