package dev.reacher.server.storage;

import java.nio.file.Path;

/**
 * The single-machine store: one SQLite file (default {@code ~/.reacher/reacher.db}) in WAL mode,
 * which also holds the embedded task queue. One process per file.
 */
public final class SqliteResultStore extends JdbcResultStore {

    private SqliteResultStore(Database db, String extraJson) {
        super(db, extraJson);
    }

    /** The default file: {@code ~/.reacher/reacher.db}. */
    public static Path defaultPath() {
        return Path.of(System.getProperty("user.home"), ".reacher", "reacher.db");
    }

    /** @param extraJson copied into every result row as {@code extra}, or null */
    public static SqliteResultStore open(Path file, String extraJson) {
        return new SqliteResultStore(Database.sqlite(file), extraJson);
    }
}
