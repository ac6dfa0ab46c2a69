package dev.reacher.server.http;

import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.proxy.PoolStateUnavailableException;
import dev.reacher.core.proxy.ProxyLimitExceededException;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.Reachable;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.metrics.ServerMetrics;
import dev.reacher.server.task.RpcReply;
import dev.reacher.server.throttle.Throttle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /v0/check_email} and {@code /v1/check_email} once the secret and the body's size and
 * type were checked (by the Javalin route or by {@link HotRoutes}): JSON → {@code to_email} →
 * throttle (v1) → verification on the request's virtual thread. v1 goes through the single-shot
 * service: verified here and stored, or sent to a worker in worker mode (whose throttle then
 * applies, as upstream).
 */
final class CheckEndpoint {
    private final EmailVerifier verifier;
    private final Throttle throttle;
    private final BulkStack bulk; // null: nothing stored, v1 is verified here as v0
    private final ServerMetrics metrics;
    private final RequestInputs inputs;

    CheckEndpoint(EmailVerifier verifier, Throttle throttle, BulkStack bulk, ServerMetrics metrics, RequestInputs inputs) {
        this.verifier = verifier;
        this.throttle = throttle;
        this.bulk = bulk;
        this.metrics = metrics;
        this.inputs = inputs;
    }

    /** The 200 body, or an {@link HttpError} for any other answer. */
    byte[] answer(String endpoint, LimitPolicy policy, byte[] requestBody) {
        CheckEmailRequest request = CheckEmailRequest.parse(requestBody);
        if (request.toEmail().isEmpty()) {
            throw HttpError.json(400, "to_email field is required.");
        }
        CheckEmailInput input = inputs.build(request);
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
            refund(permit); // nothing was verified: it must not count against [throttle]
            metrics.throttled("proxy_budget");
            throw HttpError.tooManyRequests(e.getMessage(), e.retryAfter());
        } catch (PoolStateUnavailableException e) {
            // The fleet's limits cannot be checked: refuse rather than go past them (on_store_failure = pause).
            verification.abandoned();
            refund(permit);
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

    private static void refund(Throttle.Permit permit) {
        if (permit != null) {
            permit.refund();
        }
    }

    private static Reachable reachableOf(byte[] outputJson) {
        try {
            return Reachable.fromJson(ReacherJson.mapper().readTree(outputJson).path("is_reachable").asText());
        } catch (IOException | RuntimeException e) {
            return Reachable.UNKNOWN;
        }
    }
}
