package dev.reacher.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.cli.doctor.CheckResult;
import dev.reacher.cli.doctor.ProxyDoctor;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.proxy.PoolProxy;
import dev.reacher.server.config.BackendConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code reacher proxies …}: tools for the configured SOCKS5 proxies. */
@Command(name = "proxies", mixinStandardHelpOptions = true, description = "Work with the configured SOCKS5 proxies.",
        subcommands = {ProxiesCommand.Check.class})
final class ProxiesCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** The output of {@code proxies check}. */
    enum Format { TEXT, JSON }

    /**
     * {@code reacher proxies check}: the proxy doctor. Reads the configuration as {@code serve} does
     * and checks every proxy step by step; exit 0 when all pass, 1 when any fails, 2 for bad
     * arguments or configuration.
     */
    @Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Check every configured proxy: TCP connect, SOCKS5 greeting, authentication, CONNECT to "
                    + "the target, SMTP greeting and EHLO through the tunnel. One line per proxy.",
                    "Exit code 0 when all are ok, 1 when any failed, 2 for bad arguments or configuration."})
    static final class Check implements Callable<Integer> {
        @Mixin
        ConfigOption configOption;

        @Option(names = "--target", defaultValue = ProxyDoctor.DEFAULT_TARGET, paramLabel = "HOST:PORT",
                description = "The SMTP server to reach through each proxy; a name is resolved by the proxy "
                        + "(default: ${DEFAULT-VALUE}).")
        String target;

        @Option(names = "--timeout", defaultValue = "10s", paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "Limit for each step, e.g. 3s or 500ms (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--format", defaultValue = "text", paramLabel = "text|json",
                description = "text: one line per proxy; json: one JSON object per line (default: ${DEFAULT-VALUE}).")
        Format format;

        @Parameters(paramLabel = "ID", arity = "0..*", description = "Check only these proxy ids (default: all).")
        List<String> ids = new ArrayList<>();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            ProxyDoctor doctor = doctor();
            BackendConfig backend = configOption.loadOrReport();
            if (backend == null) {
                return ServeCommand.EXIT_BAD_CONFIG;
            }
            List<ProxyDoctor.Candidate> candidates = candidates(backend);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            AtomicInteger failed = new AtomicInteger();
            doctor.checkAll(candidates, r -> {
                if (!r.ok()) {
                    failed.incrementAndGet();
                }
                out.println(format == Format.JSON ? json(r) : text(r));
            });
            System.err.printf(Locale.ROOT, "reacher: %d %s checked against %s: %d ok, %d failed%n", candidates.size(),
                    candidates.size() == 1 ? "proxy" : "proxies", target, candidates.size() - failed.get(), failed.get());
            return failed.get() == 0 ? 0 : 1;
        }

        private ProxyDoctor doctor() {
            String t = target.strip();
            int colon = t.lastIndexOf(':');
            String host = colon > 0 ? t.substring(0, colon) : "";
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(t.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (host.isEmpty() || port < 1 || port > 65535 || host.length() > 255 || !host.chars().allMatch(c -> c < 128)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--target: expected HOST:PORT with an ASCII"
                        + " host name (IDNA-encode it) or an IP, and a port 1-65535, got \"" + target + "\"");
            }
            return new ProxyDoctor(host, port, timeout);
        }

        private List<ProxyDoctor.Candidate> candidates(BackendConfig backend) {
            Map<String, PoolProxy> proxies = new TreeMap<>(backend.proxies()); // checked and printed in id order
            if (proxies.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "no proxy is configured: define [proxy] "
                        + "(RCH__PROXY__HOST), [overrides.proxies.<id>] or a proxy_pool.file; see docs/proxies.md");
            }
            for (String id : ids) {
                if (!proxies.containsKey(id)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "unknown proxy id \"" + id
                            + "\"; the configured ones are " + String.join(", ", proxies.keySet()));
                }
            }
            List<ProxyDoctor.Candidate> candidates = new ArrayList<>();
            proxies.forEach((id, p) -> {
                if (ids.isEmpty() || ids.contains(id)) {
                    String hello = p.helloName() != null ? p.helloName() : backend.helloName();
                    candidates.add(new ProxyDoctor.Candidate(id, p.proxy(), hello));
                }
            });
            return candidates;
        }

        static String text(CheckResult r) {
            StringBuilder line = new StringBuilder();
            line.append(r.ok() ? "ok    " : "FAIL  ").append(r.id()).append("  ").append(r.address()).append("  ");
            if (r.ok()) {
                line.append(r.latencyMs()).append(" ms");
                if (r.exitIp() != null) {
                    line.append("  exit ").append(r.exitIp());
                }
                line.append("  ").append(r.greeting());
            } else {
                line.append(r.stage().label()).append(": ").append(r.error()).append("  (").append(r.latencyMs())
                        .append(" ms)");
            }
            return line.toString();
        }

        static String json(CheckResult r) {
            ObjectNode o = ReacherJson.mapper().createObjectNode();
            o.put("id", r.id());
            o.put("ok", r.ok());
            o.put("stage", r.stage().label());
            o.put("error", r.error());
            o.put("latency_ms", r.latencyMs());
            o.put("greeting", r.greeting());
            o.put("exit_ip", r.exitIp());
            return ReacherJson.write(o);
        }
    }
}
