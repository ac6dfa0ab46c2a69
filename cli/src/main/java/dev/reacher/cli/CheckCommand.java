package dev.reacher.cli;

import dev.reacher.core.headless.HeadlessSettings;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.mx.Provider;
import dev.reacher.core.proxy.ActiveHealthCheck;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.smtp.SmtpVerifier;
import dev.reacher.core.socks5.ProxyConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.core.verify.Reachable;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.results.ResultCsv;
import dev.reacher.server.results.ResultFormat;
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
import picocli.CommandLine.Mixin;
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
    /** With --fail-on-unknown: some result is unknown ("the work failed", as for bulk). */
    static final int EXIT_UNKNOWN = 1;

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

    @Mixin
    ConfigOption configOption;

    @Option(names = "--fail-on-unknown",
            description = "Exit 1 when any result is unknown (an SMTP, DNS or proxy error, a timeout), after printing all.")
    boolean failOnUnknown;

    @Option(names = "--from-email", defaultValue = "${env:FROM_EMAIL}",
            description = "MAIL FROM address (default: the configuration's from_email, as serve: hello@localhost).")
    String fromEmail;

    @Option(names = "--hello-name", defaultValue = "${env:HELLO_NAME}",
            description = "EHLO name (default: the configuration's hello_name, as serve: localhost).")
    String helloName;

    @Option(names = "--proxy-host", defaultValue = "${env:PROXY_HOST}",
            description = "One SOCKS5 proxy for every provider, instead of the configured proxies and pool.")
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

    @Option(names = "--proxy-dns", defaultValue = "${env:PROXY_DNS}", paramLabel = "remote|local",
            description = "Who resolves the MX host for proxied connections: the proxy (remote, as upstream) or us (local) "
                    + "(default: the configuration's proxy_dns, remote).")
    SmtpVerifier.ProxyDns proxyDns;

    @Option(names = "--smtp-port", defaultValue = "${env:SMTP_PORT}",
            description = "SMTP port (default: the configuration's smtp_port, 25).")
    Integer smtpPort;

    @Option(names = "--smtp-timeout", defaultValue = "${env:SMTP_TIMEOUT}", paramLabel = "SECONDS",
            description = "Limit for one SMTP attempt, in seconds (default: the configuration's smtp_timeout; none: capped at 60 s).")
    Double smtpTimeout;

    @Option(names = "--retries", defaultValue = "${env:RETRIES}",
            description = "Total SMTP attempts when an attempt fails without a verdict (default: the configuration's retries, 1).")
    Integer retries;

    @Option(names = "--check-gravatar", arity = "1", defaultValue = "${env:CHECK_GRAVATAR:-false}",
            description = "true/false: look up a Gravatar image (default: ${DEFAULT-VALUE}).")
    boolean checkGravatar;

    @Option(names = "--haveibeenpwned-api-key", defaultValue = "${env:HAVEIBEENPWNED_API_KEY}",
            description = "Look the address up in HaveIBeenPwned with this API key.")
    String haveibeenpwnedApiKey;

    @Option(names = "--dns-servers", defaultValue = "${env:DNS_SERVERS}", paramLabel = "HOST:PORT[,…]",
            description = "DNS servers for MX and host lookups, e.g. 127.0.0.1:5353 (default: the configuration's [dns] servers, "
                    + "else the system resolvers).")
    String dnsServers;

    @Option(names = "--dns-cache-ttl", defaultValue = "${env:DNS_CACHE_TTL}", paramLabel = "SECONDS",
            description = "Reuse DNS answers for their TTL, at most SECONDS (0-86400; 0: ask every time; "
                    + "default: the configuration's dns.cache_max_ttl_secs, 300).")
    Integer dnsCacheTtl;

    @Option(names = "--webdriver-addr", defaultValue = "${env:WEBDRIVER_ADDR}",
            paramLabel = "URL", description = "The WebDriver (chromedriver) for the headless method (default: the "
                    + "configuration's webdriver_addr, http://localhost:9515).")
    String webdriverAddr;

    @Option(names = "--webdriver-binary", defaultValue = "${env:WEBDRIVER_BINARY}", paramLabel = "PATH",
            description = "The browser binary chromedriver starts (default: the configuration's webdriver.binary, "
                    + "else chromedriver's choice).")
    String webdriverBinary;

    @Option(names = "--webdriver-max-sessions", defaultValue = "${env:WEBDRIVER_MAX_SESSIONS}",
            description = "Browser sessions open at once for headless checks (default: the configuration's "
                    + "webdriver.max_sessions, 4).")
    Integer webdriverMaxSessions;

    @Option(names = "--hotmailb2c-verif-method", defaultValue = "${env:HOTMAILB2C_VERIF_METHOD}",
            paramLabel = "headless|smtp",
            description = "How Hotmail/Outlook.com (B2C) addresses are verified (default: the configuration's "
                    + "overrides.hotmailb2c.type, headless).")
    String hotmailb2cMethod;

    @Option(names = "--yahoo-verif-method", defaultValue = "${env:YAHOO_VERIF_METHOD}",
            paramLabel = "headless|api|smtp", description = "How Yahoo addresses are verified (default: the "
                    + "configuration's overrides.yahoo.type, headless).")
    String yahooMethod;

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
        BackendConfig config = configOption.loadOrReport(); // --config, RCH__ variables: what serve reads
        if (config == null) {
            return EXIT_USAGE;
        }
        HeadlessSettings headless = headlessSettings(config);
        CheckEmailInput template = template(config, headless);
        DnsServers dns = dns(config);
        AddressFile addresses = null;
        if (file != null) {
            try {
                addresses = AddressFile.open(file); // before anything is built: a wrong name fails at once
            } catch (AddressFile.Unreadable e) {
                System.err.println("reacher: --file: " + e.getMessage());
                return EXIT_USAGE;
            }
        }
        // The configured proxies and pool (rotation, failover, limits, per-proxy identity), as serve builds them.
        ProxyPool pool = ProxyPool.create(config.proxies().values(), config.poolSettings());
        Unknowns unknowns = new Unknowns();
        // With proxy_pool.health_check.enabled, a long --file run also probes idle and ejected members.
        ActiveHealthCheck healthChecks = ActiveHealthCheck.start(pool);
        try (healthChecks; EmailVerifier verifier = EmailVerifier.builder().dnsServers(dns)
                .proxyDns(proxyDns != null ? proxyDns : config.proxyDns()).proxyPool(pool)
                .headless(headless).build()) {
            if (toEmail != null) {
                CheckEmailOutput out = verifier.verify(template.withToEmail(toEmail));
                unknowns.count(out);
                PrintStream stdout = utf8Stdout();
                if (format == ResultFormat.CSV) {
                    stdout.print(csvHeader() + csvLine(out));
                } else {
                    stdout.println(ReacherJson.writePretty(out));
                }
                stdout.flush();
            } else {
                try (AddressFile opened = addresses) {
                    checkFile(opened, verifier, template, unknowns);
                }
            }
        }
        return failOnUnknown ? unknowns.report() : 0;
    }

    /** Unknown results, counted for {@code --fail-on-unknown}; the first one is named in the message. */
    static final class Unknowns {
        private final AtomicLong total = new AtomicLong();
        private final AtomicLong unknown = new AtomicLong();
        private volatile String first;

        void count(CheckEmailOutput result) {
            total.incrementAndGet();
            if (result.isReachable() == Reachable.UNKNOWN && unknown.incrementAndGet() == 1) {
                first = result.input();
            }
        }

        /** 0 when none is unknown; else one line on stderr and {@link #EXIT_UNKNOWN}. */
        int report() {
            long n = unknown.get();
            if (n == 0) {
                return 0;
            }
            System.err.println("reacher: " + n + " of " + total.get() + " result" + (total.get() == 1 ? " is" : "s are")
                    + " unknown (first: " + first + "; its error is in the result); exit " + EXIT_UNKNOWN
                    + " (--fail-on-unknown)");
            return EXIT_UNKNOWN;
        }
    }

    /**
     * The server's template for this configuration ({@link BackendConfig#bulkTemplate()}), with what the
     * command line says on top: {@code --proxy-host} sends every provider through that one proxy (the
     * pool is bypassed, as for a request's {@code proxy}); otherwise each provider keeps its configured
     * method, proxy and overrides, and only the SMTP settings given as flags (or their upper-snake
     * variables) replace the configured ones.
     */
    private CheckEmailInput template(BackendConfig config, HeadlessSettings headless) {
        ProxyConfig proxy = null;
        if (proxyHost != null && !proxyHost.isBlank()) {
            try {
                proxy = new ProxyConfig(proxyHost, proxyPort, proxyUsername, proxyPassword, proxyTimeoutMs);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--proxy-*: " + e.getMessage());
            }
        }
        VerifMethod method;
        try {
            Duration timeout = smtpTimeout == null ? null : Duration.ofMillis(Math.round(smtpTimeout * 1000));
            if (proxy != null) {
                method = VerifMethod.sameForAll(proxy, new SmtpConfig(orElse(fromEmail, config.fromEmail()),
                        orElse(helloName, config.helloName()), null, orElse(smtpPort, config.smtpPort()),
                        smtpTimeout != null ? timeout : config.smtpTimeout(), orElse(retries, config.retries())));
            } else {
                method = config.verifMethod();
                for (Provider provider : Provider.values()) {
                    if (method.method(provider) instanceof ProviderMethod.Smtp(SmtpConfig c)) {
                        method = method.with(provider, ProviderMethod.smtp(new SmtpConfig(orElse(fromEmail, c.fromEmail()),
                                orElse(helloName, c.helloName()), c.proxy(), orElse(smtpPort, c.smtpPort()),
                                smtpTimeout != null ? timeout : c.smtpTimeout(), orElse(retries, c.retries()))));
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return config.bulkTemplate()
                .withVerifMethod(withMethodFlags(method))
                .withWebdriver(headless.webdriverAddr().toString(), headless.binary())
                .withGravatar(checkGravatar)
                .withHaveibeenpwnedApiKey(haveibeenpwnedApiKey)
                .withBackendName(backendName);
    }

    /**
     * {@code --hotmailb2c-verif-method} and {@code --yahoo-verif-method}, when given, on top of the
     * configured methods; {@code smtp} takes the SMTP settings every other provider uses.
     */
    private VerifMethod withMethodFlags(VerifMethod method) {
        ProviderMethod smtp = method.method(Provider.EVERYTHING_ELSE);
        if (hotmailb2cMethod != null) {
            method = method.with(Provider.HOTMAIL_B2C, providerMethod(Provider.HOTMAIL_B2C, hotmailb2cMethod, smtp));
        }
        if (yahooMethod != null) {
            method = method.with(Provider.YAHOO, providerMethod(Provider.YAHOO, yahooMethod, smtp));
        }
        return method;
    }

    /** {@code --<provider>-verif-method}: one of the provider's method types. */
    private ProviderMethod providerMethod(Provider provider, String value, ProviderMethod smtp) {
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        if (!provider.allowsMethod(v)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--" + provider.key() + "-verif-method must be "
                    + provider.methodTypesText("") + ", got `" + value + "`");
        }
        return switch (v) {
            case "headless" -> new ProviderMethod.Headless();
            case "api" -> new ProviderMethod.Api();
            default -> smtp;
        };
    }

    /** The configured WebDriver settings ({@code webdriver_addr}, {@code [webdriver]}), with the flags on top. */
    private HeadlessSettings headlessSettings(BackendConfig config) {
        HeadlessSettings settings = config.headless();
        try {
            if (webdriverAddr != null && !webdriverAddr.isBlank()) {
                settings = settings.withWebdriverAddr(java.net.URI.create(webdriverAddr.strip()));
            }
            if (webdriverBinary != null) {
                settings = settings.withBinary(webdriverBinary);
            }
            if (webdriverMaxSessions != null) {
                settings = settings.withMaxSessions(webdriverMaxSessions);
            }
            return settings;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--webdriver-*: " + e.getMessage());
        }
    }

    private static <T> T orElse(T flag, T configured) {
        return flag != null ? flag : configured;
    }

    /** The configured resolvers and cache, unless --dns-servers or --dns-cache-ttl say otherwise. */
    private DnsServers dns(BackendConfig config) {
        if (dnsServers == null && dnsCacheTtl == null) {
            return config.dns();
        }
        if (dnsCacheTtl != null && (dnsCacheTtl < 0 || dnsCacheTtl > 86_400)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--dns-cache-ttl must be a whole number of seconds 0-86400, got " + dnsCacheTtl);
        }
        DnsServers servers = config.dns();
        if (dnsServers != null) {
            try {
                DnsServers given = DnsServers.parse(dnsServers); // blank: the system resolvers
                servers = new DnsServers(given.servers(), servers.timeout(), servers.attempts(), servers.cacheMaxTtl());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--dns-servers: " + e.getMessage());
            }
        }
        return dnsCacheTtl == null ? servers : servers.withCacheMaxTtl(Duration.ofSeconds(dnsCacheTtl));
    }

    /**
     * Verifies every address of the file with at most {@code concurrency} in flight, printing results
     * in input order: a window of pending results is kept, so memory stays bounded for any file size.
     * The CSV header is printed first, also when the file holds no address.
     */
    private void checkFile(AddressFile addresses, EmailVerifier verifier, CheckEmailInput template, Unknowns unknowns)
            throws IOException, InterruptedException {
        PrintStream out = utf8Stdout();
        Progress progress = Progress.forStderr(file);
        Semaphore inFlight = new Semaphore(concurrency);
        Deque<CompletableFuture<CheckEmailOutput>> window = new ArrayDeque<>();
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
                        return verifier.verify(input);
                    } finally {
                        inFlight.release();
                        progress.done();
                    }
                }, pool));
                while (window.size() >= windowLimit || (!window.isEmpty() && window.peek().isDone())) {
                    print(out, window.poll().join(), unknowns);
                }
            }
            while (!window.isEmpty()) {
                print(out, window.poll().join(), unknowns);
            }
        } finally {
            out.flush();
            progress.finish();
        }
    }

    /** One result of --file, in input order (so the first unknown counted is the first in the file). */
    private void print(PrintStream out, CheckEmailOutput result, Unknowns unknowns) {
        unknowns.count(result);
        out.print(format == ResultFormat.CSV ? csvLine(result) : ReacherJson.write(result) + "\n");
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
