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

    @Mixin
    SmtpFlags smtpFlags;

    @Mixin
    ProxyFlags proxyFlags;

    @Option(names = "--proxy-dns", defaultValue = "${env:PROXY_DNS}", paramLabel = "remote|local",
            description = "Who resolves the MX host for proxied connections: the proxy (remote, as upstream) or us (local) "
                    + "(default: the configuration's proxy_dns, remote).")
    SmtpVerifier.ProxyDns proxyDns;

    @Option(names = "--check-gravatar", arity = "1", defaultValue = "${env:CHECK_GRAVATAR:-false}",
            description = "true/false: look up a Gravatar image (default: ${DEFAULT-VALUE}).")
    boolean checkGravatar;

    @Option(names = "--haveibeenpwned-api-key", defaultValue = "${env:HAVEIBEENPWNED_API_KEY}",
            description = "Look the address up in HaveIBeenPwned with this API key.")
    String haveibeenpwnedApiKey;

    @Mixin
    DnsFlags dnsFlags;

    @Mixin
    WebdriverFlags webdriverFlags;

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
        HeadlessSettings headless = webdriverFlags.over(config.headless(), spec);
        CheckEmailInput template = template(config, headless);
        DnsServers dns = dnsFlags.over(config.dns(), spec);
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
        ProxyConfig proxy = proxyFlags.proxy(spec);
        VerifMethod method;
        try {
            if (proxy != null) {
                method = VerifMethod.sameForAll(proxy, smtpFlags.over(new SmtpConfig(config.fromEmail(),
                        config.helloName(), null, config.smtpPort(), config.smtpTimeout(), config.retries())));
            } else {
                method = config.verifMethod();
                for (Provider provider : Provider.values()) {
                    if (method.method(provider) instanceof ProviderMethod.Smtp(SmtpConfig c)) {
                        method = method.with(provider, ProviderMethod.smtp(smtpFlags.over(c)));
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return config.bulkTemplate()
                .withVerifMethod(webdriverFlags.methodsOver(method, spec))
                .withWebdriver(headless.webdriverAddr().toString(), headless.binary())
                .withGravatar(checkGravatar)
                .withHaveibeenpwnedApiKey(haveibeenpwnedApiKey)
                .withBackendName(backendName);
    }

    /**
     * Verifies every address of the file with at most {@code concurrency} in flight, printing results
     * in input order: a window of pending results is kept, so memory stays bounded for any file size.
     * The CSV header is printed first, also when the file holds no address.
     */
    private void checkFile(AddressFile addresses, EmailVerifier verifier, CheckEmailInput template, Unknowns unknowns)
            throws IOException, InterruptedException {
        PrintStream out = utf8Stdout();
        CheckProgress progress = CheckProgress.forStderr(file);
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
}
