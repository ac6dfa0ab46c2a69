package dev.reacher.server.status;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /status}: one self-contained HTML page (no external assets) that shows the proxy pool
 * and recent bulk jobs, refreshing every 2 s from {@code /v1/proxies} and {@code /v1/bulk}. The page
 * holds no data itself, so it is served without the secret; with {@code header_secret} set the
 * page asks for it once and sends it from script as {@code x-reacher-secret}.
 */
public final class StatusPage {
    /** Nothing may load from elsewhere; the page talks only to this server. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; "
            + "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'";

    private static final byte[] HTML = load();

    private StatusPage() {}

    public static byte[] html() {
        return HTML.clone();
    }

    private static byte[] load() {
        try (InputStream in = StatusPage.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IllegalStateException("status.html is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
