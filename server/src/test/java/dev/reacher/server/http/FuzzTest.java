package dev.reacher.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.TestServer;
import dev.reacher.server.TestServer.Response;
import dev.reacher.testkit.LoopbackPorts;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Thousands of random and mutated request bodies (byte flips, truncations, spliced garbage, values
 * of the wrong type, deep nesting, odd content types) sent concurrently to both check endpoints:
 * never a 5xx, every error is {@code {"error": …}}, and the server still verifies correctly after.
 *
 * <p>Everything stays on loopback: DNS goes to the scripted server only, and a body that still
 * parses with a {@code proxy} has it pointed at a closed loopback port before sending.
 */
class FuzzTest {
    private static final int REQUESTS = 3000;
    private static final long SEED = 20261125L;
    private static final String SPLICE = "{}[]\",:\\0x\u0000\n\u00ff";
    private static final List<String> FIELDS = List.of("to_email", "from_email", "hello_name", "proxy", "smtp_timeout",
            "smtp_port", "yahoo_verif_method", "hotmailb2c_verif_method", "gmail_verif_method", "check_gravatar");
    private static final List<String> SEEDS = List.of(
            "{\"to_email\":\"alice@example.test\"}",
            "{\"to_email\":\"zed@example.test\",\"from_email\":null,\"hello_name\":null,\"proxy\":null,\"smtp_timeout\":null,"
                    + "\"smtp_port\":null,\"yahoo_verif_method\":null,\"hotmailb2c_verif_method\":null}",
            "{\"to_email\":\"info@example.test\",\"smtp_timeout\":{\"secs\":1,\"nanos\":0},\"yahoo_verif_method\":\"Smtp\"}",
            "{\"to_email\":\"foo@bar\",\"hotmailb2c_verif_method\":\"Headless\",\"smtp_timeout\":[1,5]}",
            "{\"to_email\":\"someone@missing.test\",\"proxy\":{\"host\":\"127.0.0.1\",\"port\":1,\"username\":\"u\","
                    + "\"password\":\"p\",\"timeout_ms\":200},\"smtp_port\":25,\"hello_name\":\"h.test\"}",
            "{\"to_email\":\"ünïcödé@example.test\",\"check_gravatar\":true,\"gmail_verif_method\":\"Smtp\"}");

    @Test
    void randomAndMutatedBodiesNeverCause5xx() throws Exception {
        int closedPort = LoopbackPorts.freePort(); // nothing listens: a proxy there is refused at once
        Random random = new Random(SEED);
        List<HttpRequest> requests = new ArrayList<>();
        try (TestServer t = TestServer.start("", Map.of())) {
            for (int i = 0; i < REQUESTS; i++) {
                byte[] body = sanitize(body(random), closedPort);
                String path = random.nextBoolean() ? "/v0/check_email" : "/v1/check_email";
                HttpRequest.Builder b = t.request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body));
                String type = contentType(random);
                if (type != null) {
                    b.header("Content-Type", type);
                }
                requests.add(b.build());
            }
            Set<Integer> statuses = ConcurrentHashMap.newKeySet();
            AtomicInteger verdicts = new AtomicInteger();
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            try (ExecutorService pool = Executors.newFixedThreadPool(32, Thread.ofVirtual().factory())) {
                List<Future<?>> futures = new ArrayList<>();
                for (HttpRequest request : requests) {
                    futures.add(pool.submit(() -> {
                        Response r = t.send(request);
                        statuses.add(r.status());
                        if (r.status() >= 500 || !Set.of(200, 400, 413, 415).contains(r.status())) {
                            failures.add(r.status() + " " + r.body());
                        } else if (r.status() == 200) {
                            verdicts.incrementAndGet();
                            JsonNode out = r.json();
                            if (!out.has("is_reachable") || !out.has("syntax")) {
                                failures.add("200 without a result: " + r.body());
                            }
                        } else if (r.status() != 400 || r.contentType().startsWith("application/json")) {
                            if (!r.json().has("error")) {
                                failures.add(r.status() + " without an error field: " + r.body());
                            }
                        }
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            }
            assertThat(failures).isEmpty();
            // The corpus really exercised both sides: verdicts and rejections of several kinds.
            assertThat(statuses).contains(200, 400, 415);
            assertThat(verdicts.get()).isGreaterThan(REQUESTS / 20);

            // Still healthy and still right.
            assertThat(t.get("/healthz").status()).isEqualTo(200);
            Response after = t.post("/v1/check_email", "{\"to_email\":\"alice@example.test\"}");
            assertThat(after.json().get("is_reachable").asText()).isEqualTo("safe");
            assertThat(t.get("/metrics").body()).doesNotContain("outcome=\"SERVER_ERROR\"");
        }
    }

    private static byte[] body(Random random) {
        int kind = random.nextInt(10);
        if (kind < 4) {
            return mutateBytes(SEEDS.get(random.nextInt(SEEDS.size())).getBytes(StandardCharsets.UTF_8), random);
        }
        if (kind < 8) {
            return ReacherJson.write(mutateValues(random)).getBytes(StandardCharsets.UTF_8);
        }
        if (kind < 9) {
            return randomJson(random, 0).toString().getBytes(StandardCharsets.UTF_8);
        }
        byte[] noise = new byte[random.nextInt(64)];
        random.nextBytes(noise);
        return noise;
    }

    /** Flips, inserts, deletes, duplicates or truncates bytes of a valid body. */
    private static byte[] mutateBytes(byte[] seed, Random random) {
        List<Byte> bytes = new ArrayList<>();
        for (byte b : seed) {
            bytes.add(b);
        }
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && !bytes.isEmpty(); e++) {
            int at = random.nextInt(bytes.size());
            switch (random.nextInt(5)) {
                case 0 -> bytes.set(at, (byte) (bytes.get(at) ^ (1 << random.nextInt(8))));
                case 1 -> bytes.add(at, (byte) SPLICE.charAt(random.nextInt(SPLICE.length())));
                case 2 -> bytes.subList(at, Math.min(bytes.size(), at + 1 + random.nextInt(8))).clear();
                case 3 -> bytes.addAll(at, new ArrayList<>(bytes.subList(at, Math.min(bytes.size(), at + 10))));
                default -> bytes.subList(at, bytes.size()).clear();
            }
        }
        byte[] out = new byte[bytes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes.get(i);
        }
        return out;
    }

    /** A valid seed with some fields replaced by values of random types. */
    private static ObjectNode mutateValues(Random random) {
        ObjectNode node;
        try {
            node = (ObjectNode) ReacherJson.mapper().readTree(SEEDS.get(random.nextInt(SEEDS.size())));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            String field = FIELDS.get(random.nextInt(FIELDS.size()));
            if (random.nextInt(6) == 0) {
                node.remove(field);
            } else {
                node.set(field, randomJson(random, 0));
            }
        }
        return node;
    }

    private static JsonNode randomJson(Random random, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        int kind = depth > 3 ? random.nextInt(6) : random.nextInt(9);
        return switch (kind) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(random.nextBoolean());
            case 2 -> f.numberNode(switch (random.nextInt(5)) {
                case 0 -> 0L;
                case 1 -> -random.nextInt(100_000);
                case 2 -> random.nextInt(70_000);
                case 3 -> Long.MAX_VALUE;
                default -> random.nextLong();
            });
            case 3 -> f.numberNode(random.nextDouble() * 1e6);
            case 4 -> f.textNode(randomString(random));
            case 5 -> f.textNode(List.of("Api", "Headless", "Smtp", "smtp", "", "alice@example.test",
                    "x@" + "a".repeat(300) + ".test").get(random.nextInt(7)));
            case 6 -> {
                var a = f.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    a.add(randomJson(random, depth + 1));
                }
                yield a;
            }
            case 7 -> {
                ObjectNode o = f.objectNode();
                for (String k : List.of("secs", "nanos", "host", "port", "username", "password", "timeout_ms")) {
                    if (random.nextBoolean()) {
                        o.set(k, randomJson(random, depth + 1));
                    }
                }
                yield o;
            }
            default -> {
                JsonNode deep = f.textNode("x");
                for (int i = random.nextInt(200); i > 0; i--) {
                    deep = f.arrayNode().add(deep);
                }
                yield deep;
            }
        };
    }

    private static String randomString(Random random) {
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(40); i > 0; i--) {
            sb.appendCodePoint(switch (random.nextInt(4)) {
                case 0 -> random.nextInt(32); // control characters, CR/LF included
                case 1 -> 0x1F600 + random.nextInt(50); // emoji (surrogate pairs)
                default -> 32 + random.nextInt(95);
            });
        }
        return sb.toString();
    }

    private static String contentType(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> null;
            case 1 -> "text/plain";
            case 2 -> "application/json; charset=iso-8859-1";
            case 3 -> "application/vnd.api+json";
            case 4 -> ";;;";
            default -> "application/json";
        };
    }

    /** Keeps every connection on loopback: a proxy that survived mutation is sent to a closed port. */
    private static byte[] sanitize(byte[] body, int closedPort) {
        JsonNode node;
        try {
            node = ReacherJson.mapper().readTree(body);
        } catch (Exception e) {
            return body; // not JSON: rejected before any verification
        }
        if (node instanceof ObjectNode o && o.get("proxy") instanceof ObjectNode proxy) {
            proxy.put("host", "127.0.0.1");
            proxy.put("port", closedPort);
            return ReacherJson.write(o).getBytes(StandardCharsets.UTF_8);
        }
        return body;
    }
}
