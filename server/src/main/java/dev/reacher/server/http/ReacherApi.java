package dev.reacher.server.http;

import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.proxy.PoolStateUnavailableException;
import dev.reacher.core.proxy.ProxyLimitExceededException;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.Reachable;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.job.BulkException;
import dev.reacher.server.job.BulkService;
import dev.reacher.server.job.JobProgress;
import dev.reacher.server.status.AttemptStats;
import dev.reacher.server.status.StatusPage;
import dev.reacher.core.proxy.ProxyStatus;
import dev.reacher.server.metrics.ServerMetrics;
import dev.reacher.server.results.JobResults;
import dev.reacher.server.results.ResultFormat;
import dev.reacher.server.task.RpcReply;
import dev.reacher.server.throttle.Throttle;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reacher's HTTP API on Javalin (upstream's routes, bodies and error texts) plus reacher-java's operational endpoints. Each
 * POST route runs upstream's checks in upstream's order: secret → body size → content type → JSON →
 * {@code to_email} → throttle (v1) → verification on the request's virtual thread. {@code /v1/check_email}
 * goes through the {@link SingleShotService}: verified here and stored, or sent to a worker in
 * worker mode (whose throttle then applies, as upstream).
 *
 * <table>
 *   <caption>Routes</caption>
 *   <tr><th>route</th><th>secret</th><th>answer</th></tr>
 *   <tr><td>POST /v0/check_email</td><td>yes</td><td>verify now, never throttled</td></tr>
 *   <tr><td>POST /v1/check_email</td><td>yes</td><td>throttled; 429 + Retry-After</td></tr>
 *   <tr><td>POST /v1/bulk</td><td>yes</td><td>{@code {"job_id": n}}; 503 without storage</td></tr>
 *   <tr><td>GET /v1/bulk/{id}, /v1/bulk/{id}/results</td><td>yes (upstream: no)</td><td>progress; JSON or CSV pages</td></tr>
 *   <tr><td>GET /v1/proxies</td><td>yes</td><td>pool status</td></tr>
 *   <tr><td>GET /version, /healthz, /readyz, /metrics, /openapi.json</td><td>no</td><td></td></tr>
 * </table>
 */
public final class ReacherApi {
    /** Upstream's limit for the check endpoints' bodies. */
    public static final int CHECK_BODY_LIMIT = 16 * 1024;
    /** Upstream's limit for {@code POST /v1/bulk}. */
    public static final int BULK_BODY_LIMIT = 50 * 1024 * 1024;
    /** How much of a refused body is read and dropped so that the client can read the 413. */
    private static final int DRAIN_LIMIT = 1024 * 1024;
    /** The auth header (case-insensitive, as all HTTP header names). */
    public static final String SECRET_HEADER = "x-reacher-secret";

    static final String MISSING_SECRET = "Missing request header \"x-reacher-secret\"";
    static final String INVALID_SECRET = "Invalid request header \"x-reacher-secret\"";
    static final String WORKER_REQUIRED = "Please enable worker mode on Reacher before calling this endpoint";
    static final String STORAGE_REQUIRED = "Please configure a Postgres database on Reacher before calling this endpoint";

    private static final Logger LOG = LoggerFactory.getLogger(ReacherApi.class);
    /** The {@code /version} answer never changes: rendered once. */
    private static final byte[] VERSION_BODY = versionBody();
    private static final String HANDLED = "reacher.handled";

    private final BackendConfig config;
    private final EmailVerifier verifier;
    private final Throttle throttle;
    private final BulkStack bulk; // null: nothing stored, bulk answers 503
    private final ServerMetrics metrics;
    private final BooleanSupplier ready;
    private final RequestInputs inputs;
    private final AttemptStats attemptStats = new AttemptStats();
    private final byte[] secretDigest;
    private final byte[] openApi;

    /**
     * @param bulk storage, queue and worker; null when nothing is stored
     * @param ready false while the server is starting or draining; {@code /readyz} answers 503 then
     */
    public ReacherApi(BackendConfig config, EmailVerifier verifier, Throttle throttle, BulkStack bulk,
            ServerMetrics metrics, BooleanSupplier ready) {
        this(config, () -> config, verifier, throttle, bulk, metrics, ready);
    }

    /**
     * @param live the configuration requests are built from, current after a reload; {@code config}
     *     is what the process started with (secret, limits)
     */
    public ReacherApi(BackendConfig config, java.util.function.Supplier<BackendConfig> live, EmailVerifier verifier,
            Throttle throttle, BulkStack bulk, ServerMetrics metrics, BooleanSupplier ready) {
        this.config = config;
        this.verifier = verifier;
        this.throttle = throttle;
        this.bulk = bulk;
        this.metrics = metrics;
        this.ready = ready;
        this.inputs = new RequestInputs(live);
        if (verifier.proxyPool() != null) {
            verifier.proxyPool().addListener(attemptStats);
        }
        this.secretDigest = config.authEnabled() ? sha256(config.headerSecret().getBytes(StandardCharsets.UTF_8)) : null;
        this.openApi = loadOpenApi();
    }

    /** Registers routes, error handling and request metrics on a Javalin configuration. */
    public void install(JavalinConfig cfg) {
        cfg.http.prefer405over404 = true;
        cfg.http.defaultContentType = "application/json";
        cfg.router.ignoreTrailingSlashes = true; // upstream tolerates one trailing slash

        var r = cfg.routes;
        r.get("/version", this::version);
        r.get("/healthz", ctx -> json(ctx, 200, Map.of("status", "ok")));
        r.get("/readyz", this::readyz);
        r.get("/metrics", ctx -> ctx.contentType(ServerMetrics.CONTENT_TYPE).result(metrics.scrape()));
        r.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
        r.post("/v0/check_email", ctx -> checkEmail(ctx, "v0", LimitPolicy.IGNORE));
        r.post("/v1/check_email", ctx -> checkEmail(ctx, "v1", LimitPolicy.FAIL));
        r.get("/v1/proxies", this::proxies);
        r.get("/status", this::statusPage);
        r.post("/v1/bulk", this::createBulkJob);
        r.get("/v1/bulk", this::bulkJobs);
        r.get("/v1/bulk/{job_id}", this::bulkProgress);
        r.delete("/v1/bulk/{job_id}", this::cancelBulkJob);
        r.get("/v1/bulk/{job_id}/results", this::bulkResults);

        r.exception(HttpError.class, (e, ctx) -> write(ctx, e));
        r.exception(BulkException.class, (e, ctx) -> write(ctx, bulkError(e)));
        // Javalin's own rejections (no route, wrong method, …) get upstream's wording in our JSON shape.
        r.exception(HttpResponseException.class, (e, ctx) -> write(ctx, switch (e.getStatus()) {
            case 404 -> notFound(ctx);
            case 405 -> HttpError.json(405, "HTTP method not allowed");
            default -> HttpError.json(e.getStatus(), e.getMessage() == null ? "error" : e.getMessage());
        }));
        r.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), routeOf(ctx), e);
            write(ctx, HttpError.json(500, "internal error"));
        });
        r.error(404, ctx -> {
            if (ctx.attribute(HANDLED) == null) {
                write(ctx, notFound(ctx));
            }
        });
        r.error(405, ctx -> {
            if (ctx.attribute(HANDLED) == null) {
                write(ctx, HttpError.json(405, "HTTP method not allowed"));
            }
        });

        cfg.requestLogger.http((ctx, ms) -> logRequest(ctx.method().name(), routeOf(ctx), ctx.statusCode(),
                (long) (ms * 1_000_000)));
        // The hot routes' plain requests skip the servlet layer and Javalin (issue 12); the handler sits
        // inside Javalin's StatisticsHandler, so a graceful stop still waits for them.
        cfg.jetty.modifyServer(server -> {
            if (server.getHandler() instanceof org.eclipse.jetty.server.Handler.Wrapper outer
                    && outer.getHandler() == null) {
                outer.setHandler(new HotRoutes(this));
            } else {
                server.insertHandler(new HotRoutes(this));
            }
        });
    }

    /** The request's metric and its log line, the same for both ways in. */
    void logRequest(String method, String route, int status, long nanos) {
        metrics.httpRequest(method, route, status, Duration.ofNanos(nanos));
        if (LOG.isInfoEnabled()) {
            // Concatenated, not a "{}" template: the same text for less work on every request.
            LOG.info(method + " " + route + " " + status + " " + Math.round(nanos / 1e6) + " ms");
        }
    }

    /** {@code GET /version}'s body. */
    static byte[] versionBytes() {
        return VERSION_BODY;
    }

    /** Logs a failed request as the Javalin route's catch-all handler does. */
    static void logFailure(String method, String route, Exception e) {
        LOG.error("{} {} failed", method, route, e);
    }

    // ---- handlers ---------------------------------------------------------------------------------

    private static byte[] versionBody() {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("version", ServerVersion.API_VERSION);
        body.put("implementation", "reacher-java " + ServerVersion.IMPLEMENTATION_VERSION);
        return ReacherJson.writeBytes(body);
    }

    private void version(Context ctx) {
        send(ctx, 200, "application/json", VERSION_BODY);
    }

    private void readyz(Context ctx) {
        boolean accepting = ready.getAsBoolean();
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("config", "ok");
        checks.put("http", accepting ? "ok" : "draining");
        if (bulk != null && accepting) {
            checks.putAll(bulk.health());
        }
        if (config.webdriverRequired()) {
            // The operator chose the browser for Hotmail B2C or Yahoo: the WebDriver is a dependency.
            checks.put("webdriver", verifier.headless().webdriverReady() ? "ok" : "unreachable");
        }
        ProxyPool pool = verifier.proxyPool();
        if (pool != null && pool.enabled()) {
            String reason = pool.unavailableReason();
            checks.put("proxy_pool", reason == null ? "ok" : reason);
        }
        writeReadiness(ctx, checks);
    }

    /**
     * The {@code /readyz} answer, for the server and for {@code reacher worker}: 200
     * {@code {"status":"ready","checks":{…}}} when every check is {@code "ok"}, else 503 "unavailable".
     */
    public static void writeReadiness(Context ctx, Map<String, String> checks) {
        boolean ok = checks.values().stream().allMatch("ok"::equals);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ok ? "ready" : "unavailable");
        body.put("checks", checks);
        json(ctx, ok ? 200 : 503, body);
    }

    private void proxies(Context ctx) {
        requireSecret(ctx);
        ProxyPool pool = verifier.proxyPool();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("enabled", pool != null && pool.settings().enabled());
        body.put("strategy", pool != null ? pool.settings().strategy() : config.poolSettings().strategy());
        List<Object> members = new java.util.ArrayList<>();
        if (pool != null) {
            for (ProxyStatus status : pool.snapshot()) {
                // The pool's state plus this process's attempt numbers (for the status page).
                com.fasterxml.jackson.databind.node.ObjectNode member = ReacherJson.mapper().valueToTree(status);
                member.set("stats", ReacherJson.mapper().valueToTree(attemptStats.of(status.id())));
                members.add(member);
            }
        }
        body.put("proxies", members);
        json(ctx, 200, body);
    }

    /** {@code GET /status}: the page holds no data, so it needs no secret; its script asks for one. */
    private void statusPage(Context ctx) {
        ctx.header("Content-Security-Policy", StatusPage.CONTENT_SECURITY_POLICY);
        ctx.header("Cache-Control", "no-store");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.contentType("text/html; charset=utf-8").result(StatusPage.html());
    }

    private void createBulkJob(Context ctx) {
        requireSecret(ctx);
        BulkService service = bulkService();
        requireBodyShape(ctx, BULK_BODY_LIMIT);
        BulkRequest request;
        try (InputStream in = limited(ctx.req().getInputStream(), BULK_BODY_LIMIT)) {
            request = BulkRequest.parse(in);
        } catch (IOException e) {
            throw HttpError.json(400, CheckEmailRequest.PREFIX + "the body could not be read: " + e.getMessage());
        }
        long id = service.createJob(request.input(), request.webhook());
        json(ctx, 200, Map.of("job_id", id));
    }

    private void bulkProgress(Context ctx) {
        long id = jobId(ctx);
        requireSecret(ctx); // upstream leaves progress and results public: they hold the addresses
        JobProgress progress = bulkService().progress(id);
        ctx.status(200).contentType("application/json").result(progress.toJson());
    }

    /** {@code GET /v1/bulk?limit=&offset=}: recent jobs first, {@code {"jobs":[progress…]}} (reacher-java's). */
    private void bulkJobs(Context ctx) {
        requireSecret(ctx); // the list leads to every job's addresses
        BulkService service = bulkService();
        Long limit = queryNumber(ctx, "limit");
        Long offset = queryNumber(ctx, "offset");
        List<JobProgress> jobs;
        try {
            jobs = service.jobs(limit == null ? 20 : (int) Math.min(limit, Integer.MAX_VALUE), offset == null ? 0 : offset);
        } catch (IllegalArgumentException e) {
            throw HttpError.json(400, e.getMessage());
        }
        ctx.status(200).contentType("application/json").result(ReacherJson.write(Map.of("jobs", jobs)));
    }

    /** {@code DELETE /v1/bulk/{job_id}}: cancels the job and answers its progress ({@code Cancelled}). */
    private void cancelBulkJob(Context ctx) {
        long id = jobId(ctx);
        requireSecret(ctx);
        JobProgress progress = bulkService().cancel(id);
        ctx.status(200).contentType("application/json").result(progress.toJson());
    }

    private void bulkResults(Context ctx) throws IOException {
        long id = jobId(ctx);
        requireSecret(ctx);
        BulkService service = bulkService();
        ResultFormat format;
        try {
            format = ResultFormat.parse(ctx.queryParam("format"));
        } catch (IllegalArgumentException e) {
            throw HttpError.json(400, "Invalid query string: format must be json or csv");
        }
        Long limit = queryNumber(ctx, "limit");
        Long offset = queryNumber(ctx, "offset");
        JobResults page = service.results(id, format, limit, offset == null ? 0 : offset);
        ctx.status(200).contentType(page.contentType());
        // Streamed from the database: a million-row CSV never sits in memory.
        page.writeTo(ctx.outputStream());
    }

    private BulkService bulkService() {
        if (bulk == null) {
            throw HttpError.json(503, STORAGE_REQUIRED);
        }
        if (!bulk.bulk().available()) {
            throw HttpError.json(503, WORKER_REQUIRED);
        }
        return bulk.bulk();
    }

    /** Upstream's route only matches an i32; anything else is "no route". */
    private static long jobId(Context ctx) {
        try {
            return Integer.parseInt(ctx.pathParam("job_id"));
        } catch (NumberFormatException e) {
            ctx.attribute(HANDLED, true);
            throw HttpError.json(404, "no route for " + ctx.method() + " " + ctx.path() + ": job_id must be an integer");
        }
    }

    private static Long queryNumber(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null) {
            return null;
        }
        try {
            long n = Long.parseLong(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw HttpError.json(400, "Invalid query string: " + name + " must be a whole number ≥ 0");
    }

    private void checkEmail(Context ctx, String endpoint, LimitPolicy policy) {
        requireSecret(ctx);
        send(ctx, 200, "application/json", checkEmail(endpoint, policy, readJsonBody(ctx)));
    }

    /**
     * A check endpoint after the secret and the body's size and type were checked: the 200 body, or
     * an {@link HttpError} for any other answer. Shared by the Javalin route and {@link HotRoutes}.
     */
    byte[] checkEmail(String endpoint, LimitPolicy policy, byte[] requestBody) {
        CheckEmailRequest request = CheckEmailRequest.parse(requestBody);
        if (request.toEmail().isEmpty()) {
            throw HttpError.json(400, "to_email field is required.");
        }
        CheckEmailInput input = inputs.build(request);
        // v1 goes through the single-shot service (stored; in worker mode sent to a worker), v0 is verified here.
        boolean stored = "v1".equals(endpoint) && bulk != null;
        boolean viaWorker = stored && bulk.singleShot().goesToWorker(input);
        Throttle.Permit permit = null;
        if (policy == LimitPolicy.FAIL && !viaWorker) { // in worker mode the worker applies [throttle], as upstream
            switch (throttle.tryAcquire()) {
                case Throttle.Limited limited -> {
                    metrics.throttled(limited.window().name().toLowerCase(Locale.ROOT));
                    throw HttpError.tooManyRequests(limited.message(), limited.retryAfter());
                }
                case Throttle.Permit p -> permit = p;
            }
        }
        ServerMetrics.Verification verification = metrics.verificationStarted(endpoint);
        byte[] body;
        Reachable verdict;
        try {
            if (stored) {
                RpcReply reply = viaWorker ? bulk.singleShot().onWorker(input) : bulk.singleShot().here(input, policy);
                switch (reply) {
                    case RpcReply.Ok ok -> {
                        body = ok.json().getBytes(StandardCharsets.UTF_8);
                        verdict = ok.verdict() != null ? ok.verdict() : reachableOf(body); // from a worker: parse
                    }
                    case RpcReply.Err err -> {
                        verification.abandoned();
                        throw HttpError.json(err.status(), err.message());
                    }
                }
            } else {
                CheckEmailOutput output = verifier.verify(input, policy);
                body = ReacherJson.writeBytes(output);
                verdict = output.isReachable();
            }
        } catch (ProxyLimitExceededException e) {
            verification.abandoned();
            if (permit != null) {
                permit.refund(); // nothing was verified: it must not count against [throttle]
            }
            metrics.throttled("proxy_budget");
            throw HttpError.tooManyRequests(e.getMessage(), e.retryAfter());
        } catch (PoolStateUnavailableException e) {
            // The fleet's limits cannot be checked: refuse rather than go past them (on_store_failure = pause).
            verification.abandoned();
            if (permit != null) {
                permit.refund();
            }
            metrics.throttled("proxy_state");
            throw HttpError.json(503, e.getMessage(), Map.of("Retry-After", "5"));
        } catch (HttpError e) {
            throw e;
        } catch (RuntimeException e) {
            verification.abandoned();
            throw e;
        }
        verification.finished(verdict);
        return body;
    }

    private static Reachable reachableOf(byte[] outputJson) {
        try {
            return Reachable.fromJson(ReacherJson.mapper().readTree(outputJson).path("is_reachable").asText());
        } catch (IOException | RuntimeException e) {
            return Reachable.UNKNOWN;
        }
    }

    // ---- checks -----------------------------------------------------------------------------------

    /** Upstream's auth: only when a secret is configured; 400 text/plain on failure, as upstream. */
    private void requireSecret(Context ctx) {
        if (secretDigest == null) {
            return;
        }
        requireSecret(ctx.header(SECRET_HEADER));
    }

    /** True when no secret is configured or {@code given} (the header's value, or null) is it. */
    boolean secretAccepted(String given) {
        if (secretDigest == null) {
            return true;
        }
        try {
            requireSecret(given);
            return true;
        } catch (HttpError e) {
            return false;
        }
    }

    private void requireSecret(String given) {
        if (given == null) {
            throw HttpError.text(400, MISSING_SECRET);
        }
        // Jetty decodes header bytes as ISO-8859-1, so this recovers the bytes the client sent; both
        // sides are hashed so that the comparison's time depends on neither value nor length.
        byte[] digest = sha256(given.getBytes(StandardCharsets.ISO_8859_1));
        if (!MessageDigest.isEqual(digest, secretDigest)) {
            throw HttpError.text(400, INVALID_SECRET);
        }
    }

    /** Size limit (413), then content type (415), then the bytes; no body is read past the limit. */
    private static byte[] readJsonBody(Context ctx) {
        requireBodyShape(ctx, CHECK_BODY_LIMIT);
        // Up to the declared length + 1 (so that a body longer than declared is still caught), or the
        // limit + 1 when chunked: readNBytes allocates up to 16 KiB at once for a larger argument.
        long declared = ctx.req().getContentLengthLong();
        int toRead = declared >= 0 ? (int) declared + 1 : CHECK_BODY_LIMIT + 1;
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes(toRead);
            if (body.length > CHECK_BODY_LIMIT) {
                drain(ctx);
                throw tooLarge(CHECK_BODY_LIMIT);
            }
            return body;
        } catch (IOException e) {
            throw HttpError.json(400, CheckEmailRequest.PREFIX + "the body could not be read: " + e.getMessage());
        }
    }

    /** The declared size (413) and the content type (415), before the body is parsed. */
    private static void requireBodyShape(Context ctx, int limit) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            drain(ctx);
            throw tooLarge(limit);
        }
        if (!acceptsContentType(ctx.header("Content-Type"))) {
            throw HttpError.json(415, "The request's content-type is not supported: expected application/json");
        }
    }

    /** No content type, or {@code application/json} with any parameters. */
    static boolean acceptsContentType(String contentType) {
        return contentType == null
                || contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT).equals("application/json");
    }

    /**
     * Reads and drops the rest of a refused body, up to {@value #DRAIN_LIMIT} bytes, so that a client
     * still sending gets to read the 413 instead of a reset connection; beyond that the connection
     * is closed (Jetty's default).
     */
    private static void drain(Context ctx) {
        try {
            InputStream in = ctx.req().getInputStream();
            byte[] buf = new byte[8192];
            long total = 0;
            int n;
            while (total <= DRAIN_LIMIT && (n = in.read(buf)) > 0) {
                total += n;
            }
        } catch (IOException | RuntimeException e) {
            // the client gave up: nothing to answer
        }
    }

    /** Fails with 413 once more than {@code limit} bytes were read (chunked bodies declare no length). */
    private static InputStream limited(InputStream in, int limit) {
        return new java.io.FilterInputStream(in) {
            private long count;

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    count(1);
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n > 0) {
                    count(n);
                }
                return n;
            }

            private void count(int n) {
                count += n;
                if (count > limit) {
                    throw tooLarge(limit);
                }
            }
        };
    }

    private static HttpError notFound(Context ctx) {
        return HttpError.json(404, "no route for " + ctx.method() + " " + ctx.path());
    }

    private static HttpError tooLarge(int limit) {
        return HttpError.json(413, "The request payload is too large: the limit is " + limit + " bytes");
    }

    /**
     * A missing job is 404 here (upstream: 400 on progress, 500 on results, with sqlx's text, kept
     * as the message); the other kinds keep upstream's statuses.
     */
    private static HttpError bulkError(BulkException e) {
        int status = e.kind() == BulkException.Kind.NOT_FOUND ? 404 : e.kind().status();
        if (e.kind() == BulkException.Kind.FAILED) {
            LOG.error("bulk request failed: {}", e.getMessage(), e);
        }
        return HttpError.json(status, e.getMessage());
    }

    // ---- writing ----------------------------------------------------------------------------------

    private static void write(Context ctx, HttpError e) {
        ctx.attribute(HANDLED, true);
        ctx.status(e.status()).contentType(e.contentType()).result(e.body());
        e.headers().forEach(ctx::header);
    }

    private static void json(Context ctx, int status, Object body) {
        send(ctx, status, "application/json", ReacherJson.writeBytes(body));
    }

    /**
     * Writes a whole body through Javalin's output stream (so compression applies as configured),
     * not through {@code ctx.result}, for which Javalin allocates a 32 KiB copy buffer per response.
     */
    private static void send(Context ctx, int status, String contentType, byte[] body) {
        ctx.status(status).contentType(contentType);
        try {
            ctx.outputStream().write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The matched route template for logs and metric tags; never the raw path (unbounded cardinality). */
    private static String routeOf(Context ctx) {
        try {
            Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
            if (endpoint != null) {
                return endpoint.path;
            }
        } catch (RuntimeException ignored) {
            // no endpoint matched
        }
        return ctx.statusCode() == 405 ? "METHOD_NOT_ALLOWED" : "NOT_FOUND";
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = ReacherApi.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the server jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
