package dev.reacher.server.http;

import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.throttle.Throttle;
import java.time.Duration;
import java.util.Map;

/**
 * An answer other than 200, thrown from a handler and written by one exception handler. Most are
 * upstream's JSON {@code {"error":"…"}}; the auth failures are upstream's exact text/plain bodies.
 */
final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String contentType;
    private final String body;
    private final transient Map<String, String> headers;

    private HttpError(int status, String contentType, String body, Map<String, String> headers, String message) {
        super(message, null, false, false); // control flow, not a failure: no stack trace
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        this.headers = headers;
    }

    /** {@code {"error": message}} with {@code application/json}. */
    static HttpError json(int status, String message) {
        return json(status, message, Map.of());
    }

    static HttpError json(int status, String message, Map<String, String> headers) {
        return new HttpError(status, "application/json", errorBody(message), headers, message);
    }

    /** 429 {@code {"error": message}} with a {@code Retry-After} header for {@code wait}. */
    static HttpError tooManyRequests(String message, Duration wait) {
        return json(429, message, Map.of("Retry-After", Long.toString(Throttle.retryAfterSeconds(wait))));
    }

    /** A plain-text body, as upstream's framework-level rejections of the secret header. */
    static HttpError text(int status, String message) {
        return new HttpError(status, "text/plain; charset=utf-8", message, Map.of(), message);
    }

    static String errorBody(String message) {
        return ReacherJson.write(Map.of("error", message));
    }

    int status() {
        return status;
    }

    String contentType() {
        return contentType;
    }

    String body() {
        return body;
    }

    Map<String, String> headers() {
        return headers;
    }
}
