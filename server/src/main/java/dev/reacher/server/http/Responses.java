package dev.reacher.server.http;

import dev.reacher.core.json.ReacherJson;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Writing answers on Javalin's routes: bodies, error answers, and the route name for logs. */
final class Responses {
    /** Set on a request whose error answer is written, so that Javalin's 404/405 pages stay out. */
    static final String HANDLED = "reacher.handled";

    private Responses() {}

    static void write(Context ctx, HttpError e) {
        ctx.attribute(HANDLED, true);
        ctx.status(e.status()).contentType(e.contentType()).result(e.body());
        e.headers().forEach(ctx::header);
    }

    static void json(Context ctx, int status, Object body) {
        send(ctx, status, "application/json", ReacherJson.writeBytes(body));
    }

    /**
     * Writes a whole body through Javalin's output stream (so compression applies as configured),
     * not through {@code ctx.result}, for which Javalin allocates a 32 KiB copy buffer per response.
     */
    static void send(Context ctx, int status, String contentType, byte[] body) {
        ctx.status(status).contentType(contentType);
        try {
            ctx.outputStream().write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static HttpError notFound(Context ctx) {
        return HttpError.json(404, "no route for " + ctx.method() + " " + ctx.path());
    }

    /** The matched route template for logs and metric tags; never the raw path (unbounded cardinality). */
    static String routeOf(Context ctx) {
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
}
