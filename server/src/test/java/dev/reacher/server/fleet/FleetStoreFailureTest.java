package dev.reacher.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.reacher.server.TestServer;
import dev.reacher.server.testing.Services;
import dev.reacher.testkit.Microsocks;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A server whose proxy pool shares its state through PostgreSQL, when that state cannot be used:
 * {@code /v1/check_email} answers 503 at once rather than going past the fleet's limits, {@code
 * /readyz} says why, and both recover by themselves. The store "fails" by losing its lease table
 * (renamed away), which breaks every statement the way a lost database does, without touching the
 * machine's PostgreSQL.
 */
class FleetStoreFailureTest {
    private String schema;
    private Microsocks proxy;
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        Services.requirePostgres();
        schema = Services.freshSchema("fleetfail");
        proxy = Microsocks.builder().start();
        server = TestServer.start("", Map.of(
                "RCH__STORAGE__POSTGRES__DB_URL", Services.POSTGRES_URL,
                "RCH__STORAGE__POSTGRES__SCHEMA", schema,
                "RCH__PROXY_POOL__FLEET__ENABLED", "true",
                "RCH__PROXY_POOL__ENABLED", "true",
                "RCH__PROXY__HOST", "127.0.0.1",
                "RCH__PROXY__PORT", Integer.toString(proxy.port()),
                "RCH__PROXY__MAX_REQUESTS_PER_SECOND", "100",
                "RCH__DNS__PROXY_DNS", "local"));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        proxy.close();
        Services.dropSchema(schema);
    }

    private TestServer.Response check() {
        return server.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}", "content-type", "application/json");
    }

    @Test
    void v1AnswersServiceUnavailableAndReadyzSaysWhyUntilTheStoreIsBack() {
        assertThat(check().status()).isEqualTo(200);
        assertThat(Services.queryLong(schema, "SELECT COUNT(*) FROM fleet_proxy_budget")).isEqualTo(1); // it was used

        Services.execute(schema, "ALTER TABLE fleet_proxy_lease RENAME TO fleet_proxy_lease_away");
        TestServer.Response refused = check();
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().get("error").asText()).contains("fleet's shared proxy state");
        assertThat(refused.header("Retry-After")).isEqualTo("5");
        long start = System.nanoTime();
        assertThat(check().status()).isEqualTo(503); // known down: refused without waiting on the database
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        TestServer.Response ready = server.get("/readyz");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().at("/checks/proxy_state").asText()).startsWith("unavailable: ");
        assertThat(server.get("/metrics").body()).contains("reacher_proxy_state_available 0.0");

        Services.execute(schema, "ALTER TABLE fleet_proxy_lease_away RENAME TO fleet_proxy_lease");
        await().atMost(5, TimeUnit.SECONDS).until(() -> server.get("/readyz").status() == 200);
        assertThat(server.get("/readyz").json().at("/checks/proxy_state").asText()).isEqualTo("ok");
        assertThat(check().status()).isEqualTo(200);
    }
}
