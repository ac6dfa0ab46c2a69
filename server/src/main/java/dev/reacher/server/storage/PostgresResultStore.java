package dev.reacher.server.storage;

/**
 * The scale-out store: PostgreSQL through HikariCP, schema by Flyway
 * ({@code db/migration/postgresql}), compatible with upstream's {@code v1_bulk_job} and
 * {@code v1_task_result} tables. Several API and worker processes on several machines share it.
 */
public final class PostgresResultStore extends JdbcResultStore {

    private PostgresResultStore(Database db, String extraJson) {
        super(db, extraJson);
    }

    /**
     * @param url upstream's {@code postgres://…} form or {@code jdbc:postgresql://…}
     * @param schema the schema to migrate and use, or null for the default
     * @param extraJson {@code storage.postgres.extra} as JSON (copied into every result row), or null
     */
    public static PostgresResultStore open(String url, String schema, int maxPoolSize, String extraJson) {
        return new PostgresResultStore(Database.postgres(url, schema, maxPoolSize), extraJson);
    }
}
