package dev.reacher.server.http;

import dev.reacher.core.proxy.LimitPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * The busiest routes ({@code POST /v0/check_email}, {@code POST /v1/check_email}, {@code GET /version},
 * {@code GET /healthz}) answered on Jetty's own Handler API, in front of Javalin's servlet: the servlet
 * layer and Javalin cost about as much CPU as the rest of a {@code GET /version} (issue 12,
 * docs/benchmarks.md §7). Only plain requests are taken here, and they get the same status, headers,
 * body, request log line and metric as through Javalin; anything else goes on to Javalin unchanged:
 * another path or method (a trailing slash, HEAD), a missing or wrong secret, a body without a
 * Content-Length or over the limit, another content type, an {@code Accept-Encoding} (Javalin decides
 * compression) or an {@code Expect} header.
 */
final class HotRoutes extends Handler.Wrapper {
    private static final String JSON = "application/json";
    /** Requests answered here, for tests that must know which way a request went. */
    static final LongAdder ANSWERED = new LongAdder();

    private final ReacherApi api;

    HotRoutes(ReacherApi api) {
        this.api = api;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long start = System.nanoTime();
        HttpFields headers = request.getHeaders();
        if (headers.contains(HttpHeader.ACCEPT_ENCODING) || headers.contains(HttpHeader.EXPECT)) {
            return super.handle(request, response, callback);
        }
        String method = request.getMethod();
        String path = request.getHttpURI().getPath();
        if ("GET".equals(method)) {
            if ("/version".equals(path)) {
                return answer(response, callback, method, path, start, 200, ReacherApi.versionBytes(), Map.of());
            }
            if ("/healthz".equals(path)) {
                return answer(response, callback, method, path, start, 200, ReacherApi.healthzBytes(), Map.of());
            }
        } else if ("POST".equals(method)) {
            if ("/v0/check_email".equals(path) && plainCheck(request, headers)) {
                return check(request, response, callback, path, "v0", LimitPolicy.IGNORE, start);
            }
            if ("/v1/check_email".equals(path) && plainCheck(request, headers)) {
                return check(request, response, callback, path, "v1", LimitPolicy.FAIL, start);
            }
        }
        return super.handle(request, response, callback);
    }

    /** Declared length within the limit, JSON or no content type, the secret right: else Javalin answers. */
    private boolean plainCheck(Request request, HttpFields headers) {
        long length = request.getLength();
        return length >= 0 && length <= ReacherApi.CHECK_BODY_LIMIT
                && RequestBodies.acceptsContentType(headers.get(HttpHeader.CONTENT_TYPE))
                && api.secretAccepted(headers.get(ReacherApi.SECRET_HEADER));
    }

    private boolean check(Request request, Response response, Callback callback, String route, String endpoint,
            LimitPolicy policy, long start) {
        int status = 200;
        byte[] body;
        Map<String, String> extra = Map.of();
        try {
            byte[] requestBody;
            try {
                requestBody = readBody(request);
            } catch (IOException e) {
                throw RequestBodies.unreadable(e);
            }
            body = api.checkEmail(endpoint, policy, requestBody);
        } catch (HttpError e) {
            status = e.status();
            body = e.body().getBytes(StandardCharsets.UTF_8);
            extra = e.headers();
            if (!JSON.equals(e.contentType())) {
                throw new IllegalStateException("a check's error is JSON: " + e.contentType());
            }
        } catch (RuntimeException e) {
            ReacherApi.logFailure("POST", route, e);
            HttpError internal = HttpError.json(500, "internal error");
            status = 500;
            body = internal.body().getBytes(StandardCharsets.UTF_8);
        }
        return answer(response, callback, "POST", route, start, status, body, extra);
    }

    /**
     * Exactly the declared Content-Length (checked in {@link #plainCheck}), read chunk by chunk into one
     * array of that size: {@code Content.Source.asByteBuffer} grows a buffer from Jetty's non-pooling
     * allocator, about 8 KB for a 40-byte body, a quarter of all a check allocates. The virtual thread
     * waits only when no chunk has arrived yet.
     */
    private static byte[] readBody(Request request) throws IOException {
        long length = request.getLength();
        byte[] body = new byte[(int) length];
        int filled = 0;
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                try (Blocker.Callback ready = Blocker.callback()) {
                    request.demand(ready::succeeded);
                    ready.block();
                }
                continue;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable failure = chunk.getFailure(); // its own message, as the Javalin way in reports it
                throw failure instanceof IOException io ? io : new IOException(failure.getMessage(), failure);
            }
            ByteBuffer bytes = chunk.getByteBuffer();
            int n = bytes.remaining();
            if (n > length - filled) {
                chunk.release();
                throw new IOException("the request body is longer than its Content-Length " + length);
            }
            bytes.get(body, filled, n);
            filled += n;
            chunk.release();
            if (chunk.isLast()) {
                break;
            }
        }
        if (filled != length) {
            throw new IOException("the request body is shorter than its Content-Length " + length);
        }
        return body;
    }

    private boolean answer(Response response, Callback callback, String method, String route, long start, int status,
            byte[] body, Map<String, String> extra) {
        response.setStatus(status);
        HttpFields.Mutable out = response.getHeaders();
        out.put(HttpHeader.CONTENT_TYPE, JSON);
        out.put(HttpHeader.CONTENT_LENGTH, body.length);
        extra.forEach(out::put);
        api.logRequest(method, route, status, System.nanoTime() - start);
        ANSWERED.increment();
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
