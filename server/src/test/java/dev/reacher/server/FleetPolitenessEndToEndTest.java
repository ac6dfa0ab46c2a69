package dev.reacher.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.Reachable;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.config.ConfigLoader;
import dev.reacher.server.testing.Services;
import dev.reacher.testkit.DnsFixture;
import dev.reacher.testkit.Microsocks;
import dev.reacher.testkit.ScriptedSmtpServer;
import dev.reacher.testkit.ScriptedSmtpServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two processes' verifiers, built from configuration as {@code serve} and {@code worker} build them,
 * on one fleet store and one real microsocks: the SMTP server sees at most {@code max_concurrency}
 * sessions from the fleet, and one catch-all probe for the fleet.
 */
class FleetPolitenessEndToEndTest {
    private String schema;
    private ScriptedSmtpServer smtp;
    private DnsFixture dns;
    private Microsocks proxy;

    @BeforeEach
    void start() throws Exception {
        Services.requirePostgres();
        schema = Services.freshSchema("fleet_polite_e2e");
        smtp = ScriptedSmtpServer.start();
        // The MX is an address: microsocks would try to resolve a name itself (the default proxy DNS mode).
        dns = DnsFixture.start().mx("one.test", 10, "127.0.0.1");
        proxy = Microsocks.builder().start();
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        dns.close();
        smtp.close();
        Services.dropSchema(schema);
    }

    private BackendConfig config(boolean fleet) {
        return ConfigLoader.fromToml("""
                hello_name = "probe.test"
                from_email = "probe@client.test"
                smtp_port = %d
                [dns]
                servers = ["%s"]
                [storage.postgres]
                db_url = "%s"
                schema = "%s"
                [smtp_politeness]
                max_concurrency = 2
                [proxy_pool]
                enabled = true
                [proxy_pool.fleet]
                enabled = %s
                [overrides.proxies.p1]
                url = "socks5://127.0.0.1:%d"
                """.formatted(smtp.port(), dns.address(), Services.POSTGRES_URL, schema, fleet, proxy.port()), Map.of());
    }

    /** 12 addresses per process, all at once; every third does not exist. */
    private void verifyOnBoth(EmailVerifier one, EmailVerifier two, BackendConfig config) throws Exception {
        List<Future<CheckEmailOutput>> futures = new ArrayList<>();
        List<Reachable> expected = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 24; i++) {
                String email = "user" + i + "@one.test";
                if (i % 3 != 2) {
                    smtp.onRcpt(email, Reply.delayed(Duration.ofMillis(150), Reply.lines("250 2.1.5 OK")));
                }
                expected.add(i % 3 == 2 ? Reachable.INVALID : Reachable.SAFE);
                EmailVerifier verifier = i % 2 == 0 ? one : two;
                // the configured hello_name, from_email, port and proxies, as the server's endpoints apply them
                CheckEmailInput input = CheckEmailInput.of(email).withVerifMethod(config.verifMethod());
                futures.add(pool.submit(() -> verifier.verify(input)));
            }
        }
        for (int i = 0; i < futures.size(); i++) {
            CheckEmailOutput out = futures.get(i).get();
            assertThat(out.isReachable()).as(() -> dev.reacher.core.json.ReacherJson.write(out)).isEqualTo(expected.get(i));
        }
    }

    /** Builds two processes' verifiers from one configuration, verifies on both, closes them. */
    private void runTwoProcesses(boolean fleet) throws Exception {
        BackendConfig config = config(fleet);
        EmailVerifier one = ProcessParts.verifier(config);
        EmailVerifier two = ProcessParts.verifier(config);
        try {
            verifyOnBoth(one, two, config);
        } finally {
            ProcessParts.close(one);
            ProcessParts.close(two);
        }
    }

    @Test
    void twoProcessesOfAFleetOpenAtMostMaxConcurrencySessionsAndProbeOnce() throws Exception {
        runTwoProcesses(true);
        assertThat(smtp.peakConcurrentSessions()).isBetween(1, 2);
        assertThat(smtp.connectionCount()).isEqualTo(24);
        // Sessions starting before the first probe's answer still probe, so a burst probes at
        // most max_concurrency times: here at most 2 for the whole fleet.
        assertThat(smtp.probeRecipients()).isBetween(1L, 2L);
    }

    @Test
    void theControlWithoutTheFleetStoreSeesEachProcessOpenItsOwnSessions() throws Exception {
        runTwoProcesses(false);
        assertThat(smtp.peakConcurrentSessions()).isGreaterThan(2);
    }
}
