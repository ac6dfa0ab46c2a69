package dev.reacher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A closed-loop HTTP load generator for the verification endpoint: {@code concurrency} virtual
 * threads share one {@link HttpClient} and send {@code POST <url>} with {@code {"to_email":…}}
 * until {@code requests} have been sent (or the time limit passes), then it prints throughput,
 * latency percentiles and how many answers said {@code safe}, {@code invalid}, ….
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.reacher.bench.LoadTool \
 *     --url http://127.0.0.1:8080/v0/check_email --requests 2000 --concurrency 50 \
 *     --emails alice@rig-one.test,unknown.user@rig-one.test [--header "x-reacher-secret: …"]
 * </pre>
 * Every request is bounded ({@code --timeout-s}) and so is the whole run ({@code --max-seconds}).
 */
public final class LoadTool {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One run's settings.
     *
     * @param emails cycled through in order, request i gets {@code emails[i % size]}
     * @param headers extra request headers, e.g. a secret
     * @param get send {@code GET <url>} without a body (e.g. {@code /version}) instead of the POST;
     *     {@code emails} is then unused and no {@code is_reachable} is counted
     */
    public record Config(URI url, int requests, int concurrency, List<String> emails, Map<String, String> headers,
            Duration requestTimeout, Duration maxRun, boolean get) {
        /** A POST run. */
        public Config(URI url, int requests, int concurrency, List<String> emails, Map<String, String> headers,
                Duration requestTimeout, Duration maxRun) {
            this(url, requests, concurrency, emails, headers, requestTimeout, maxRun, false);
        }

        public Config {
            Objects.requireNonNull(url, "url");
            if (requests < 1 || concurrency < 1) {
                throw new IllegalArgumentException("requests and concurrency must be at least 1");
            }
            if (emails.isEmpty()) {
                throw new IllegalArgumentException("at least one email is needed");
            }
            emails = List.copyOf(emails);
            headers = Map.copyOf(headers);
        }
    }

    /**
     * What a run measured.
     *
     * @param latency of every request that got an HTTP answer (any status)
     * @param reachable {@code is_reachable} values of 200 answers, by value
     * @param statuses HTTP status codes, by code
     * @param failures requests without an HTTP answer, by exception class (timeouts, refused, …)
     * @param notSent requests never sent because the run's time limit passed
     */
    public record Report(LatencyStats latency, Map<String, Integer> reachable, Map<Integer, Integer> statuses,
            Map<String, Integer> failures, int notSent) {

        public String render() {
            StringBuilder sb = new StringBuilder();
            sb.append("requests  ").append(latency.summary()).append('\n');
            sb.append("status    ").append(statuses).append('\n');
            sb.append("failures  ").append(failures.isEmpty() ? "none" : failures.toString()).append('\n');
            if (notSent > 0) {
                sb.append("not sent  ").append(notSent).append(" (time limit reached)\n");
            }
            int total = reachable.values().stream().mapToInt(Integer::intValue).sum();
            sb.append("is_reachable histogram (").append(total).append(" answers)\n");
            reachable.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %-10s %7d  %s%n", k, v,
                    "#".repeat((int) Math.round(50.0 * v / Math.max(1, total))))));
            return sb.toString();
        }
    }

    private LoadTool() {}

    /** Runs the load and returns what it measured; never throws for what the server does. */
    public static Report run(Config config) throws InterruptedException {
        long[] latencies = new long[config.requests()];
        Arrays.fill(latencies, -1);
        Map<String, LongAdder> reachable = new ConcurrentHashMap<>();
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        Map<String, LongAdder> failures = new ConcurrentHashMap<>();
        AtomicInteger nextRequest = new AtomicInteger();
        long runDeadline = System.nanoTime() + config.maxRun().toNanos();

        long start;
        try (HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
                ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            start = System.nanoTime();
            for (int w = 0; w < config.concurrency(); w++) {
                workers.execute(() -> {
                    int i;
                    while ((i = nextRequest.getAndIncrement()) < config.requests()) {
                        if (System.nanoTime() > runDeadline) {
                            return;
                        }
                        send(client, config, i, latencies, reachable, statuses, failures);
                    }
                });
            }
            workers.shutdown();
            // The per-request timeout bounds each worker, so this wait is bounded too.
            if (!workers.awaitTermination(config.maxRun().plus(config.requestTimeout()).plusSeconds(5).toMillis(),
                    TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
            }
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        long[] answered = Arrays.stream(latencies).filter(l -> l >= 0).toArray();
        int failed = failures.values().stream().mapToInt(LongAdder::intValue).sum();
        int notSent = Math.max(0, config.requests() - answered.length - failed);
        return new Report(LatencyStats.of(answered, wall), sorted(reachable), sorted(statuses), sorted(failures),
                notSent);
    }

    private static void send(HttpClient client, Config config, int i, long[] latencies,
            Map<String, LongAdder> reachable, Map<Integer, LongAdder> statuses, Map<String, LongAdder> failures) {
        HttpRequest.Builder request = HttpRequest.newBuilder(config.url()).timeout(config.requestTimeout());
        if (config.get()) {
            request.GET();
        } else {
            String email = config.emails().get(i % config.emails().size());
            request.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("to_email", email).toString()));
        }
        config.headers().forEach(request::header);
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            latencies[i] = System.nanoTime() - t0;
            statuses.computeIfAbsent(response.statusCode(), k -> new LongAdder()).increment();
            if (response.statusCode() == 200 && !config.get()) {
                reachable.computeIfAbsent(reachableOf(response.body()), k -> new LongAdder()).increment();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.computeIfAbsent("InterruptedException", k -> new LongAdder()).increment();
        } catch (Exception e) {
            failures.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
        }
    }

    /** The {@code is_reachable} of a response body, or a marker when the body is not such JSON. */
    static String reachableOf(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            JsonNode value = node == null ? null : node.get("is_reachable");
            return value != null && value.isTextual() ? value.asText() : "(no is_reachable)";
        } catch (Exception e) {
            return "(not json)";
        }
    }

    private static <K extends Comparable<K>> Map<K, Integer> sorted(Map<K, LongAdder> counts) {
        Map<K, Integer> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.intValue()));
        return out;
    }

    /** See the class comment; {@code --help} lists the options. */
    public static void main(String[] args) throws InterruptedException {
        Args a = Args.parse(args, Map.of(
                        "--url", "http://127.0.0.1:8080/v0/check_email",
                        "--requests", "1000",
                        "--concurrency", "50",
                        "--emails", "alice@rig-one.test,unknown.user@rig-one.test",
                        "--header", "",
                        "--timeout-s", "120",
                        "--max-seconds", "600",
                        "--method", "POST"),
                Set.of(),
                """
                LoadTool [--url URL] [--requests N] [--concurrency C] [--emails a@x,b@y] [--header 'Name: value']
                         [--timeout-s S] [--max-seconds S] [--method POST|GET]
                  POSTs {"to_email": …} to URL from C virtual threads until N requests are done (or S seconds pass),
                  then prints throughput, latency percentiles and the is_reachable histogram.
                  --method GET sends bodiless GETs instead (e.g. to /version).""");
        URI url = URI.create(a.string("--url"));
        if (!isLoopback(url)) {
            // Load is only ever pointed at this machine's own servers.
            System.err.println("refusing a non-loopback URL: " + url);
            System.exit(2);
        }
        Map<String, String> headers = new TreeMap<>();
        String header = a.string("--header");
        if (!header.isBlank()) {
            int colon = header.indexOf(':');
            if (colon < 1) {
                System.err.println("--header must look like 'Name: value'");
                System.exit(2);
            }
            headers.put(header.substring(0, colon).strip(), header.substring(colon + 1).strip());
        }
        String method = a.string("--method").toUpperCase(Locale.ROOT);
        if (!method.equals("POST") && !method.equals("GET")) {
            System.err.println("--method must be POST or GET");
            System.exit(2);
        }
        List<String> emails = new ArrayList<>(Arrays.stream(a.string("--emails").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toList());
        Config config = new Config(url, a.integer("--requests"), a.integer("--concurrency"), emails, headers,
                Duration.ofSeconds(a.integer("--timeout-s")), Duration.ofSeconds(a.integer("--max-seconds")),
                method.equals("GET"));
        System.out.printf(Locale.ROOT, "%s %s, %d requests, concurrency %d, emails %s%n", method, url,
                config.requests(), config.concurrency(), config.get() ? "-" : emails);
        System.out.print(run(config).render());
    }

    static boolean isLoopback(URI url) {
        String host = url.getHost();
        if (host == null) {
            return false;
        }
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }
}
