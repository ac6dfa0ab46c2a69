package dev.reacher.server.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;

/**
 * A migrated connection pool for one of the two supported databases, with the few places where
 * their SQL differs ({@link Dialect}). Everything else (the DML of the stores and of the embedded
 * queue) is shared text.
 *
 * <p>Use {@link #postgres} for scale-out and {@link #sqlite} for the single-machine default. Writes
 * go through {@link #write}, reads through {@link #read}; both run in one transaction.
 */
public final class Database implements AutoCloseable {

    /** The differences between PostgreSQL and SQLite that the shared SQL cannot hide. */
    public enum Dialect {
        POSTGRES("CAST(? AS jsonb)"),
        SQLITE("?");

        private final String jsonParam;

        Dialect(String jsonParam) {
            this.jsonParam = jsonParam;
        }

        /** Replaces each {@code :json} placeholder with this dialect's JSON parameter. */
        public String sql(String shared) {
            return shared.replace(":json", jsonParam);
        }
    }

    private final HikariDataSource pool;
    private final Dialect dialect;
    private final String jdbcUrl; // PostgreSQL only (dedicated connections), else null
    // SQLite has one writer at a time; queueing writers here instead of in SQLite's busy handler
    // (which sleeps and retries) keeps latency flat and makes SQLITE_BUSY impossible between us.
    private final ReentrantLock writeLock;
    private final FileChannel lockChannel;
    private final FileLock fileLock;

    private Database(HikariDataSource pool, Dialect dialect, FileChannel lockChannel, FileLock fileLock) {
        this.pool = pool;
        this.dialect = dialect;
        this.jdbcUrl = dialect == Dialect.POSTGRES ? pool.getJdbcUrl() : null;
        this.writeLock = dialect == Dialect.SQLITE ? new ReentrantLock() : null;
        this.lockChannel = lockChannel;
        this.fileLock = fileLock;
    }

    /**
     * Opens PostgreSQL and applies the migrations of {@code db/migration/postgresql}.
     *
     * @param url {@code postgres://user:pass@host:port/db} (upstream's form) or a JDBC URL
     * @param schema the schema to use and migrate, or null for the server's default ({@code public})
     */
    public static Database postgres(String url, String schema, int maxPoolSize) {
        return postgres(url, schema, maxPoolSize, null);
    }

    /**
     * As {@link #postgres(String, String, int)}; with a {@code timeout}, waiting for a connection
     * and for any one answer of the server is bounded by it (so that an unreachable server fails
     * calls instead of hanging them).
     */
    public static Database postgres(String url, String schema, int maxPoolSize, java.time.Duration timeout) {
        return postgres(url, schema, maxPoolSize, timeout, false);
    }

    /**
     * As {@link #postgres(String, String, int, java.time.Duration)}; with {@code asyncCommit}, the
     * pool's sessions run with {@code synchronous_commit = off}: a commit returns before its WAL
     * reaches the disk (it is visible to every other session at once; only a crash of the
     * PostgreSQL server itself can lose the last fraction of a second of commits). For state that
     * is short-lived by design (leases, rate tokens), never for results.
     */
    public static Database postgres(String url, String schema, int maxPoolSize, java.time.Duration timeout,
            boolean asyncCommit) {
        String jdbc = PostgresUrl.toJdbc(url);
        HikariConfig config = new HikariConfig();
        if (asyncCommit) {
            config.setConnectionInitSql("SET synchronous_commit = off");
        }
        if (timeout != null) {
            // Answers are bounded by the timeout; opening a connection gets more (a cold JVM on a
            // busy machine can take seconds to log in), and start-up more again.
            long seconds = Math.max(1, timeout.toSeconds());
            long connect = Math.max(10, seconds);
            jdbc += (jdbc.contains("?") ? "&" : "?") + "connectTimeout=" + connect + "&loginTimeout=" + connect
                    + "&socketTimeout=" + seconds;
            // Waiting for a free pooled connection is queueing, not a dead server (a dead one fails
            // the connections in use within the socket timeout): allow more for it.
            config.setConnectionTimeout(Math.max(30_000, timeout.toMillis()));
            config.setValidationTimeout(Math.max(250, Math.min(timeout.toMillis(), 5000)));
            // Opened as needed rather than all at start: a fleet of N processes would otherwise hold
            // N × maxPoolSize connections from the first second (PostgreSQL's default limit is 100).
            config.setMinimumIdle(Math.min(2, maxPoolSize));
        }
        config.setJdbcUrl(jdbc);
        config.setMaximumPoolSize(maxPoolSize);
        config.setPoolName("reacher-postgres");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("ApplicationName", "reacher-java");
        if (schema != null) {
            config.setSchema(schema);
        }
        config.setInitializationFailTimeout(timeout == null ? 10_000 : 30_000);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
        } catch (RuntimeException e) {
            // Upstream put the whole URL, password included, in this message; we name the host only.
            throw new StorageException("Connecting to postgres DB " + PostgresUrl.redact(url) + ": " + e.getMessage(), e);
        }
        try {
            Flyway.configure().dataSource(ds).locations("classpath:db/migration/postgresql")
                    .schemas(schema == null ? new String[0] : new String[] {schema})
                    // An upstream database has the v1 tables but no Flyway history: migrate over them.
                    .baselineOnMigrate(true).baselineVersion("0")
                    .load().migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw new StorageException("Migrating postgres DB " + PostgresUrl.redact(url) + ": " + e.getMessage(), e);
        }
        return new Database(ds, Dialect.POSTGRES, null, null);
    }

    /**
     * Opens (creating if needed) the SQLite file in WAL mode and applies {@code db/migration/sqlite}.
     * One process owns a file at a time (a lock file next to it enforces that), which is what lets
     * the embedded queue hand every leased message back at start-up.
     *
     * @throws StorageException when another process has the file open
     */
    public static Database sqlite(Path file) {
        Path path = file.toAbsolutePath();
        FileChannel channel = null;
        FileLock lock;
        try {
            Files.createDirectories(path.getParent());
            channel = FileChannel.open(path.resolveSibling(path.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new StorageException("SQLite database " + path + " is in use by another process "
                        + "(one reacher process per file: give this one its own file with RCH__STORAGE__SQLITE__PATH "
                        + "([storage.sqlite] path), or use PostgreSQL and RabbitMQ to run several)", null);
            }
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StorageException("Opening SQLite database " + path + ": " + e.getMessage(), e);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:sqlite:" + path);
        config.setMaximumPoolSize(8); // writers queue on the write lock; the rest are readers (WAL)
        config.setPoolName("reacher-sqlite");
        config.addDataSourceProperty("journal_mode", "WAL");
        // WAL + NORMAL survives a process crash with every commit; a power cut can only drop a
        // suffix of commits, and since results commit before their acks, never a result alone.
        config.addDataSourceProperty("synchronous", "NORMAL");
        config.addDataSourceProperty("busy_timeout", "30000");
        config.addDataSourceProperty("foreign_keys", "true");
        config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
            Flyway.configure().dataSource(ds).locations("classpath:db/migration/sqlite").load().migrate();
        } catch (RuntimeException e) {
            releaseQuietly(lock);
            closeQuietly(channel);
            throw new StorageException("Opening SQLite database " + path + ": " + e.getMessage(), e);
        }
        return new Database(ds, Dialect.SQLITE, channel, lock);
    }

    public Dialect dialect() {
        return dialect;
    }

    /** Runs {@code work} in a read-write transaction and commits it. */
    public <T> T write(String what, SqlWork<T> work) {
        if (writeLock != null) {
            writeLock.lock();
        }
        try (Connection c = pool.getConnection()) {
            return inTransaction(c, work);
        } catch (SQLException e) {
            throw new StorageException(what + ": " + e.getMessage(), e);
        } finally {
            if (writeLock != null) {
                writeLock.unlock();
            }
        }
    }

    /**
     * Runs {@code work} on a pooled connection in auto-commit mode: each statement is its own
     * transaction and, for a single statement, one round trip.
     */
    public <T> T autoCommit(String what, SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StorageException(what + ": " + e.getMessage(), e);
        }
    }

    /**
     * A new PostgreSQL connection outside the pool, with the pool's settings and schema, for a
     * session that must stay open (LISTEN). The caller closes it.
     */
    public Connection openDedicated() throws SQLException {
        if (jdbcUrl == null) {
            throw new IllegalStateException("dedicated connections are for PostgreSQL");
        }
        java.util.Properties props = new java.util.Properties();
        props.setProperty("ApplicationName", "reacher-java");
        String schema = pool.getSchema();
        if (schema != null) {
            props.setProperty("currentSchema", schema);
        }
        return java.sql.DriverManager.getConnection(jdbcUrl, props);
    }

    /** The schema this database works in, or null for the server's default. */
    public String schema() {
        return pool.getSchema();
    }

    /** Runs {@code work} in a transaction that is rolled back afterwards (cursor-friendly for PostgreSQL). */
    public <T> T read(String what, SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            if (dialect == Dialect.SQLITE) {
                // An IMMEDIATE transaction would take the write lock; plain auto-commit reads see a snapshot per statement.
                return work.run(c);
            }
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try {
                return work.run(c);
            } finally {
                c.rollback();
                c.setReadOnly(false);
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StorageException(what + ": " + e.getMessage(), e);
        }
    }

    private static <T> T inTransaction(Connection c, SqlWork<T> work) throws SQLException {
        c.setAutoCommit(false);
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Binds an instant: TIMESTAMPTZ on PostgreSQL, epoch microseconds on SQLite. */
    public void setInstant(PreparedStatement ps, int index, Instant instant) throws SQLException {
        if (instant == null) {
            ps.setObject(index, null);
        } else if (dialect == Dialect.POSTGRES) {
            ps.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        } else {
            ps.setLong(index, ChronoUnit.MICROS.between(Instant.EPOCH, instant));
        }
    }

    public Instant getInstant(ResultSet rs, String column) throws SQLException {
        if (dialect == Dialect.POSTGRES) {
            Timestamp ts = rs.getTimestamp(column);
            return ts == null ? null : ts.toInstant();
        }
        long micros = rs.getLong(column);
        return rs.wasNull() ? null : Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    /** Now, truncated to what both databases store (microseconds). */
    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    @Override
    public void close() {
        pool.close();
        releaseQuietly(fileLock);
        closeQuietly(lockChannel);
    }

    private static void releaseQuietly(FileLock lock) {
        try {
            if (lock != null) {
                lock.release();
            }
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
