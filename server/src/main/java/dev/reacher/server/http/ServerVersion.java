package dev.reacher.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The versions {@code GET /version} reports. */
public final class ServerVersion {
    /** The upstream {@code reacher_backend} release whose API this server implements. */
    public static final String API_VERSION = "0.11.7";
    /** This build of reacher-java (from the Maven project version). */
    public static final String IMPLEMENTATION_VERSION = load();

    private ServerVersion() {}

    private static String load() {
        Properties p = new Properties();
        try (InputStream in = ServerVersion.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through to the placeholder
        }
        String v = p.getProperty("version");
        return v == null || v.startsWith("${") ? "development" : v;
    }
}
