package dev.reacher.server.http;

import static dev.reacher.server.http.Responses.json;
import static dev.reacher.server.http.Responses.notFound;
import static dev.reacher.server.http.Responses.routeOf;
import static dev.reacher.server.http.Responses.send;
import static dev.reacher.server.http.Responses.write;

import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.job.BulkException;
import dev.reacher.server.metrics.ServerMetrics;
import dev.reacher.server.throttle.Throttle;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reacher's HTTP API on Javalin (upstream's routes, bodies and error texts) plus reacher-java's
 * operational endpoints: this class wires the routes and error answers; the work is done by
 * {@link CheckEndpoint} (the check routes, also reached through {@link HotRoutes}), {@link BulkRoutes},
 * {@link OperationRoutes}, {@link HeaderSecret} and {@link RequestBodies}. Each POST route runs
 * upstream's checks in upstream's order: secret → body size → content type → JSON →
 * {@code to_email} → throttle (v1) → verification on the request's virtual thread.
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
    /** The auth header (case-insensitive, as all HTTP header names). */
    public static final String SECRET_HEADER = "x-reacher-secret";

    private static final Logger LOG = LoggerFactory.getLogger(ReacherApi.class);
    /** The {@code /version} answer never changes: rendered once. */
    private static final byte[] VERSION_BODY = versionBody();
    private static final byte[] HEALTHZ_BODY = ReacherJson.writeBytes(Map.of("status", "ok"));

    private final ServerMetrics metrics;
    private final HeaderSecret secret;
    private final CheckEndpoint checks;
    private final BulkRoutes bulkRoutes;
    private final OperationRoutes operations;
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
    public ReacherApi(BackendConfig config, Supplier<BackendConfig> live, EmailVerifier verifier,
            Throttle throttle, BulkStack bulk, ServerMetrics metrics, BooleanSupplier ready) {
        this.metrics = metrics;
        this.secret = new HeaderSecret(config.authEnabled() ? config.headerSecret() : null);
        this.checks = new CheckEndpoint(verifier, throttle, bulk, metrics, new RequestInputs(live));
        this.bulkRoutes = new BulkRoutes(bulk, secret);
        this.operations = new OperationRoutes(config, verifier, bulk, ready, secret);
        this.openApi = loadOpenApi();
    }

    /** Registers routes, error handling and request metrics on a Javalin configuration. */
    public void install(JavalinConfig cfg) {
        cfg.http.prefer405over404 = true;
        cfg.http.defaultContentType = "application/json";
        cfg.router.ignoreTrailingSlashes = true; // upstream tolerates one trailing slash

        var r = cfg.routes;
        r.get("/version", ctx -> send(ctx, 200, "application/json", VERSION_BODY));
        r.get("/healthz", ctx -> send(ctx, 200, "application/json", HEALTHZ_BODY));
        r.get("/readyz", operations::readyz);
        r.get("/metrics", ctx -> ctx.contentType(ServerMetrics.CONTENT_TYPE).result(metrics.scrape()));
        r.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
        r.post("/v0/check_email", ctx -> checkEmail(ctx, "v0", LimitPolicy.IGNORE));
        r.post("/v1/check_email", ctx -> checkEmail(ctx, "v1", LimitPolicy.FAIL));
        r.get("/v1/proxies", operations::proxies);
        r.get("/status", operations::statusPage);
        r.post("/v1/bulk", bulkRoutes::create);
        r.get("/v1/bulk", bulkRoutes::list);
        r.get("/v1/bulk/{job_id}", bulkRoutes::progress);
        r.delete("/v1/bulk/{job_id}", bulkRoutes::cancel);
        r.get("/v1/bulk/{job_id}/results", bulkRoutes::results);

        r.exception(HttpError.class, (e, ctx) -> write(ctx, e));
        r.exception(BulkException.class, (e, ctx) -> write(ctx, BulkRoutes.error(e)));
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
            if (ctx.attribute(Responses.HANDLED) == null) {
                write(ctx, notFound(ctx));
            }
        });
        r.error(405, ctx -> {
            if (ctx.attribute(Responses.HANDLED) == null) {
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

    // ---- shared with HotRoutes, the other way in ----------------------------------------------------

    /** A check endpoint after the secret and the body's size and type were checked: the 200 body, or an {@link HttpError}. */
    byte[] checkEmail(String endpoint, LimitPolicy policy, byte[] requestBody) {
        return checks.answer(endpoint, policy, requestBody);
    }

    /** True when no secret is configured or {@code given} (the header's value, or null) is it. */
    boolean secretAccepted(String given) {
        return secret.accepts(given);
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

    /** {@code GET /healthz}'s body. */
    static byte[] healthzBytes() {
        return HEALTHZ_BODY;
    }

    /** Logs a failed request as the Javalin route's catch-all handler does. */
    static void logFailure(String method, String route, Exception e) {
        LOG.error("{} {} failed", method, route, e);
    }

    // ---------------------------------------------------------------------------------------------

    private void checkEmail(Context ctx, String endpoint, LimitPolicy policy) {
        secret.require(ctx);
        send(ctx, 200, "application/json", checks.answer(endpoint, policy, RequestBodies.readCheckBody(ctx)));
    }

    private static byte[] versionBody() {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("version", ServerVersion.API_VERSION);
        body.put("implementation", "reacher-java " + ServerVersion.IMPLEMENTATION_VERSION);
        return ReacherJson.writeBytes(body);
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
