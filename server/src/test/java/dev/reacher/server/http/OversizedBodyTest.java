package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A refused body is read (up to 1 MiB) before the 413 goes out, so a client that is still sending
 * reads the answer instead of a reset connection; repeated, because the failure was intermittent.
 */
class OversizedBodyTest {
    private static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.start("", Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        t.close();
    }

    @Test
    void everyOversizedRequestGetsItsJson413() {
        for (int i = 0; i < 40; i++) {
            for (int size : new int[] {16 * 1024 + 1, 20_000, 200_000}) {
                Response declared = t.post("/v1/check_email", "x".repeat(size));
                assertThat(declared.status()).as("declared %d bytes, round %d", size, i).isEqualTo(413);
                assertThat(declared.json().get("error").asText()).startsWith("The request payload is too large");

                byte[] body = "y".repeat(size).getBytes();
                // No declared length: the limit is found while reading.
                Response chunked = t.send(t.request("/v0/check_email", "Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build());
                assertThat(chunked.status()).as("chunked %d bytes, round %d", size, i).isEqualTo(413);
            }
        }
    }
}
