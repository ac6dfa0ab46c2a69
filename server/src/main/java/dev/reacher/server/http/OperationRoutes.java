package dev.reacher.server.http;

import static dev.reacher.server.http.Responses.json;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.proxy.ProxyPool;
import dev.reacher.core.proxy.ProxyStatus;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.status.AttemptStats;
import dev.reacher.server.status.StatusPage;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** reacher-java's operational routes: {@code /readyz}, {@code /v1/proxies} and the {@code /status} page. */
final class OperationRoutes {
    private final BackendConfig config;
    private final EmailVerifier verifier;
    private final BulkStack bulk; // null: nothing stored
    private final BooleanSupplier ready;
    private final HeaderSecret secret;
    private final AttemptStats attemptStats = new AttemptStats();

    OperationRoutes(BackendConfig config, EmailVerifier verifier, BulkStack bulk, BooleanSupplier ready, HeaderSecret secret) {
        this.config = config;
        this.verifier = verifier;
        this.bulk = bulk;
        this.ready = ready;
        this.secret = secret;
        if (verifier.proxyPool() != null) {
            verifier.proxyPool().addListener(attemptStats);
        }
    }

    void readyz(Context ctx) {
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
        ReacherApi.writeReadiness(ctx, checks);
    }

    void proxies(Context ctx) {
        secret.require(ctx);
        ProxyPool pool = verifier.proxyPool();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("enabled", pool != null && pool.settings().enabled());
        body.put("strategy", pool != null ? pool.settings().strategy() : config.poolSettings().strategy());
        List<Object> members = new ArrayList<>();
        if (pool != null) {
            for (ProxyStatus status : pool.snapshot()) {
                // The pool's state plus this process's attempt numbers (for the status page).
                ObjectNode member = ReacherJson.mapper().valueToTree(status);
                member.set("stats", ReacherJson.mapper().valueToTree(attemptStats.of(status.id())));
                members.add(member);
            }
        }
        body.put("proxies", members);
        json(ctx, 200, body);
    }

    /** {@code GET /status}: the page holds no data, so it needs no secret; its script asks for one. */
    void statusPage(Context ctx) {
        ctx.header("Content-Security-Policy", StatusPage.CONTENT_SECURITY_POLICY);
        ctx.header("Cache-Control", "no-store");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.contentType("text/html; charset=utf-8").result(StatusPage.html());
    }
}
