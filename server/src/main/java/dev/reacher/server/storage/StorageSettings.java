package dev.reacher.server.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import java.nio.file.Path;

/**
 * Where results and jobs live: {@code [storage.postgres]} (upstream's) when {@code db_url} is set,
 * else the embedded SQLite file unless {@code [storage.sqlite] enable = false}. The configuration
 * layer maps {@code RCH__STORAGE__*} onto it; {@link #toString()} hides the database URL.
 *
 * @param postgresUrl {@code storage.postgres.db_url}; null for the embedded SQLite default
 * @param postgresSchema {@code storage.postgres.schema} (reacher-java's): the schema holding the
 *     tables, created if missing; null for the server's default search path. Tests use one per class
 * @param sqlitePath the SQLite file when {@code postgresUrl} is null (null: {@code ~/.reacher/reacher.db})
 * @param sqliteEnabled {@code storage.sqlite.enable}: false with no PostgreSQL means nothing is
 *     stored (bulk then answers 503)
 * @param extraJson {@code storage.postgres.extra} as JSON text, copied into every result row; or null
 * @param maxPoolSize database connections per process
 */
public record StorageSettings(String postgresUrl, String postgresSchema, Path sqlitePath, boolean sqliteEnabled,
        String extraJson, int maxPoolSize) {

    private static final int SQLITE_POOL_SIZE = 4;
    private static final int POSTGRES_POOL_SIZE = 8;

    /** PostgreSQL when {@code postgresUrl} is set, else SQLite if enabled; the pool sized for the one used. */
    public static StorageSettings of(String postgresUrl, String postgresSchema, Path sqlitePath, boolean sqliteEnabled,
            String extraJson) {
        boolean postgres = postgresUrl != null && !postgresUrl.isBlank();
        return new StorageSettings(postgresUrl, postgresSchema, sqlitePath, sqliteEnabled, extraJson,
                postgres ? POSTGRES_POOL_SIZE : SQLITE_POOL_SIZE);
    }

    public static StorageSettings sqlite(Path file) {
        return of(null, null, file, true, null);
    }

    public static StorageSettings postgres(String url) {
        return of(url, null, null, true, null);
    }

    public StorageSettings withSchema(String schema) {
        return new StorageSettings(postgresUrl, schema, sqlitePath, sqliteEnabled, extraJson, maxPoolSize);
    }

    public StorageSettings withExtra(String json) {
        return new StorageSettings(postgresUrl, postgresSchema, sqlitePath, sqliteEnabled, json, maxPoolSize);
    }

    public boolean usesPostgres() {
        return postgresUrl != null && !postgresUrl.isBlank();
    }

    /** False when neither PostgreSQL nor SQLite is configured: no bulk, no stored results. */
    public boolean stores() {
        return usesPostgres() || sqliteEnabled;
    }

    public Path sqliteFile() {
        return sqlitePath != null ? sqlitePath : SqliteResultStore.defaultPath();
    }

    /** {@link #extraJson} as a JSON value, or null. */
    public JsonNode extra() {
        if (extraJson == null) {
            return null;
        }
        try {
            return ReacherJson.mapper().readTree(extraJson);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("storage extra is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public String toString() {
        return usesPostgres() ? "Storage[postgres]"
                : sqliteEnabled ? "Storage[sqlite " + sqliteFile() + "]" : "Storage[none]";
    }
}
