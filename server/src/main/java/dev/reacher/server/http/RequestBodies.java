package dev.reacher.server.http;

import io.javalin.http.Context;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Reading a request body under upstream's rules: the size limit (413), then the content type (415),
 * then the bytes; no body is read past its limit.
 */
final class RequestBodies {
    /** How much of a refused body is read and dropped so that the client can read the 413. */
    private static final int DRAIN_LIMIT = 1024 * 1024;

    private RequestBodies() {}

    /** A check endpoint's whole body, at most {@link ReacherApi#CHECK_BODY_LIMIT} bytes. */
    static byte[] readCheckBody(Context ctx) {
        int limit = ReacherApi.CHECK_BODY_LIMIT;
        requireShape(ctx, limit);
        // Up to the declared length + 1 (so that a body longer than declared is still caught), or the
        // limit + 1 when chunked: readNBytes allocates up to 16 KiB at once for a larger argument.
        long declared = ctx.req().getContentLengthLong();
        int toRead = declared >= 0 ? (int) declared + 1 : limit + 1;
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes(toRead);
            if (body.length > limit) {
                drain(ctx);
                throw tooLarge(limit);
            }
            return body;
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** The declared size (413) and the content type (415), before the body is parsed. */
    static void requireShape(Context ctx, int limit) {
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

    static HttpError unreadable(IOException e) {
        return HttpError.json(400, CheckEmailRequest.PREFIX + "the body could not be read: " + e.getMessage());
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
    static InputStream limited(InputStream in, int limit) {
        return new FilterInputStream(in) {
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

    private static HttpError tooLarge(int limit) {
        return HttpError.json(413, "The request payload is too large: the limit is " + limit + " bytes");
    }
}
