package dev.reacher.server.http;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Upstream's auth: only when a secret is configured, the {@code x-reacher-secret} header must carry
 * it; 400 text/plain on failure, as upstream. Only the secret's digest is kept.
 */
final class HeaderSecret {
    static final String MISSING = "Missing request header \"x-reacher-secret\"";
    static final String INVALID = "Invalid request header \"x-reacher-secret\"";

    private final byte[] digest; // null: no secret configured

    /** @param secret the configured secret, or null when auth is off */
    HeaderSecret(String secret) {
        this.digest = secret == null ? null : sha256(secret.getBytes(StandardCharsets.UTF_8));
    }

    /** Fails with the 400 answer unless the request carries the secret (or none is configured). */
    void require(Context ctx) {
        if (digest != null) {
            require(ctx.header(ReacherApi.SECRET_HEADER));
        }
    }

    /** True when no secret is configured or {@code given} (the header's value, or null) is it. */
    boolean accepts(String given) {
        if (digest == null) {
            return true;
        }
        try {
            require(given);
            return true;
        } catch (HttpError e) {
            return false;
        }
    }

    private void require(String given) {
        if (given == null) {
            throw HttpError.text(400, MISSING);
        }
        // Jetty decodes header bytes as ISO-8859-1, so this recovers the bytes the client sent; both
        // sides are hashed so that the comparison's time depends on neither value nor length.
        if (!MessageDigest.isEqual(sha256(given.getBytes(StandardCharsets.ISO_8859_1)), digest)) {
            throw HttpError.text(400, INVALID);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
