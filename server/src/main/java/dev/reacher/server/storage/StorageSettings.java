package dev.reacher.server.storage;

import java.nio.file.Path;

/**
 * Where results are stored; the configuration layer maps {@code RCH__STORAGE__*} onto it.
 *
 * @param postgresUrl {@code storage.postgres.db_url}; null for the embedded SQLite default
 * @param postgresSchema the schema to use (null: the server's default search path); tests use one per class
 * @param sqlitePath the SQLite file when {@code postgresUrl} is null (null: {@code ~/.reacher/reacher.db})
 * @param extraJson {@code storage.postgres.extra} as JSON text, copied into every result row; or null
 * @param maxPoolSize PostgreSQL connections per process
 */
public record StorageSettings(String postgresUrl, String postgresSchema, Path sqlitePath, String extraJson,
        int maxPoolSize) {

    public static StorageSettings sqlite(Path file) {
        return new StorageSettings(null, null, file, null, 4);
    }

    public static StorageSettings postgres(String url) {
        return new StorageSettings(url, null, null, null, 8);
    }

    public StorageSettings withSchema(String schema) {
        return new StorageSettings(postgresUrl, schema, sqlitePath, extraJson, maxPoolSize);
    }

    public StorageSettings withExtra(String json) {
        return new StorageSettings(postgresUrl, postgresSchema, sqlitePath, json, maxPoolSize);
    }

    public boolean usesPostgres() {
        return postgresUrl != null && !postgresUrl.isBlank();
    }

    public Path sqliteFile() {
        return sqlitePath != null ? sqlitePath : SqliteResultStore.defaultPath();
    }
}
