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
import dev.reacher.server.results.ResultCsv;
import dev.reacher.server.results.ResultFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
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
        if ((toEmail == null) == (file == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either <to_email> or --file, not both");
        }
        if (concurrency < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--concurrency must be at least 1");
        }
        CheckEmailInput template = template();
        DnsServers dns = parseDns();
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
            return checkFile(verifier, template);
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
    private int checkFile(EmailVerifier verifier, CheckEmailInput template) throws IOException, InterruptedException {
        PrintStream out = utf8Stdout();
        Progress progress = Progress.forTerminal(file);
        Semaphore inFlight = new Semaphore(concurrency);
        Deque<CompletableFuture<String>> window = new ArrayDeque<>();
        int windowLimit = concurrency * 4;
        if (format == ResultFormat.CSV) {
            out.print(csvHeader());
        }
        try (AddressFile addresses = AddressFile.open(file); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
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
                progress.submitted();
                while (window.size() >= windowLimit || (!window.isEmpty() && window.peek().isDone())) {
                    out.print(window.poll().join());
                }
            }
            while (!window.isEmpty()) {
                out.print(window.poll().join());
            }
        } catch (NoSuchFileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--file: no such file: " + file);
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

    /** A one-line progress counter on stderr, only when stderr is an interactive terminal. */
    static final class Progress {
        private final boolean enabled;
        private final String label;
        private final AtomicLong submitted = new AtomicLong();
        private final AtomicLong done = new AtomicLong();
        private volatile long lastDraw;

        private Progress(boolean enabled, String label) {
            this.enabled = enabled;
            this.label = label;
        }

        static Progress forTerminal(String label) {
            return new Progress(isTerminal(), label);
        }

        void submitted() {
            submitted.incrementAndGet();
        }

        void done() {
            done.incrementAndGet();
            long now = System.nanoTime();
            if (enabled && now - lastDraw > 100_000_000L) {
                lastDraw = now;
                draw();
            }
        }

        void finish() {
            if (enabled) {
                draw();
                System.err.println();
            }
        }

        private synchronized void draw() {
            long d = done.get();
            long s = Math.max(d, submitted.get());
            int width = 30;
            int filled = s == 0 ? 0 : (int) (width * d / s);
            System.err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + d + "/" + s);
            System.err.flush();
        }

        /** {@code Console.isTerminal()} exists from JDK 22; on 21 a console means a terminal. */
        static boolean isTerminal() {
            java.io.Console console = System.console();
            if (console == null) {
                return false;
            }
            try {
                return (boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
            } catch (ReflectiveOperationException e) {
                return true;
            }
        }
    }
}
