package dev.reacher.server.results;

/** The {@code format} query parameter of {@code GET /v1/bulk/{id}/results}. */
public enum ResultFormat {
    JSON, CSV;

    /** Upstream accepts exactly {@code json} or {@code csv} (lowercase); null means json. */
    public static ResultFormat parse(String value) {
        if (value == null || value.equals("json")) {
            return JSON;
        }
        if (value.equals("csv")) {
            return CSV;
        }
        throw new IllegalArgumentException("Invalid query string");
    }
}
