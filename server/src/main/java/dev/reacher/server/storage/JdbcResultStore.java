package dev.reacher.server.storage;

import dev.reacher.core.verify.Reachable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The store's logic and SQL, shared by both databases: every statement here is accepted by
 * PostgreSQL and SQLite alike ({@code INSERT … ON CONFLICT DO NOTHING RETURNING}, {@code ->>}),
 * with {@code :json} standing for the dialect's JSON parameter.
 */
abstract sealed class JdbcResultStore implements ResultStore permits PostgresResultStore, SqliteResultStore {
    private static final int ITEM_BATCH = 1000;
    private static final int RESULT_ROWS_PER_STATEMENT = 100;

    private static final String JOB_COLUMNS = "id, total_records, created_at, processed, total_safe, total_risky, "
            + "total_invalid, total_unknown, finished_at, published, task_template, webhook";

    protected final Database db;
    private final String extraJson;

    JdbcResultStore(Database db, String extraJson) {
        this.db = db;
        this.extraJson = extraJson;
    }

    @Override
    public Database database() {
        return db;
    }

    @Override
    public long createJob(NewJob job) {
        Instant now = Database.now();
        return db.write("Creating a bulk job", c -> {
            long id;
            try (PreparedStatement ps = c.prepareStatement(db.dialect().sql(
                    "INSERT INTO v1_bulk_job (total_records, created_at, task_template, webhook, published) "
                            + "VALUES (?, ?, :json, :json, 0) RETURNING id"))) {
                ps.setInt(1, job.emails().size());
                db.setInstant(ps, 2, now);
                ps.setString(3, job.taskTemplateJson());
                setNullableString(ps, 4, job.webhookJson());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO v1_bulk_item (job_id, item_index, email) VALUES (?, ?, ?)")) {
                List<String> emails = job.emails();
                for (int i = 0; i < emails.size(); i++) {
                    ps.setLong(1, id);
                    ps.setInt(2, i);
                    ps.setString(3, emails.get(i));
                    ps.addBatch();
                    if ((i + 1) % ITEM_BATCH == 0) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            return id;
        });
    }

    @Override
    public Optional<JobRecord> job(long jobId) {
        return db.read("Reading bulk job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + JOB_COLUMNS + " FROM v1_bulk_job WHERE id = ?")) {
                ps.setLong(1, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(jobRecord(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<JobRecord> jobs(int limit, long offset) {
        return db.read("Listing bulk jobs", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + JOB_COLUMNS
                    + " FROM v1_bulk_job ORDER BY id DESC LIMIT ? OFFSET ?")) {
                ps.setInt(1, limit);
                ps.setLong(2, offset);
                return jobRecords(ps);
            }
        });
    }

    @Override
    public Optional<JobRecord> cancelJob(long jobId, Instant now) {
        db.write("Cancelling bulk job " + jobId, c -> {
            // published = total: the dispatcher publishes nothing more (its markPublished no longer matches)
            try (PreparedStatement ps = c.prepareStatement("UPDATE v1_bulk_job SET published = total_records, "
                    + "finished_at = ? WHERE id = ? AND finished_at IS NULL AND processed < total_records")) {
                db.setInstant(ps, 1, now);
                ps.setLong(2, jobId);
                return ps.executeUpdate();
            }
        });
        return job(jobId);
    }

    @Override
    public SaveReport saveResults(List<NewResult> results) {
        if (results.isEmpty()) {
            return new SaveReport(List.of(), List.of());
        }
        // One order for every writer: concurrent transactions then take index and row locks in
        // the same order and cannot deadlock.
        List<NewResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparing((NewResult r) -> r.jobId() == null ? -1L : r.jobId())
                .thenComparing(r -> r.itemIndex() == null ? -1 : r.itemIndex()));
        Instant now = Database.now();
        return db.write("Storing " + results.size() + " results", c -> {
            Map<Long, int[]> deltas = new TreeMap<>();
            List<NewResult> ignored = new ArrayList<>();
            for (int from = 0; from < sorted.size(); from += RESULT_ROWS_PER_STATEMENT) {
                List<NewResult> chunk = sorted.subList(from, Math.min(sorted.size(), from + RESULT_ROWS_PER_STATEMENT));
                insertResults(c, chunk, now, deltas, ignored);
            }
            List<Long> completed = new ArrayList<>();
            for (Map.Entry<Long, int[]> e : deltas.entrySet()) {
                if (bumpCounters(c, e.getKey(), e.getValue(), now)) {
                    completed.add(e.getKey());
                }
            }
            return new SaveReport(completed, ignored);
        });
    }

    /** Inserts one chunk; adds the rows actually inserted to {@code deltas} (processed, safe, risky, invalid, unknown). */
    private void insertResults(Connection c, List<NewResult> chunk, Instant now, Map<Long, int[]> deltas,
            List<NewResult> ignored) throws SQLException {
        StringBuilder sql = new StringBuilder(
                "INSERT INTO v1_task_result (job_id, item_index, payload, extra, result, error, created_at) VALUES ");
        for (int i = 0; i < chunk.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(?, ?, :json, :json, :json, ?, ?)");
        }
        sql.append(" ON CONFLICT DO NOTHING RETURNING job_id, item_index");
        Map<String, NewResult> byKey = new HashMap<>();
        List<NewResult> keyed = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(db.dialect().sql(sql.toString()))) {
            int p = 1;
            for (NewResult r : chunk) {
                setNullableLong(ps, p++, r.jobId());
                setNullableInt(ps, p++, r.itemIndex());
                ps.setString(p++, r.payloadJson());
                setNullableString(ps, p++, extraJson);
                setNullableString(ps, p++, r.resultJson());
                setNullableString(ps, p++, r.error());
                db.setInstant(ps, p++, now);
                if (r.jobId() != null && r.itemIndex() != null) {
                    byKey.putIfAbsent(r.jobId() + ":" + r.itemIndex(), r);
                    keyed.add(r);
                }
            }
            Set<String> seen = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long jobId = rs.getLong(1);
                    if (rs.wasNull()) {
                        continue; // single-shot
                    }
                    int item = rs.getInt(2);
                    String key = jobId + ":" + item;
                    NewResult r = byKey.get(key);
                    if (r == null || !seen.add(key)) {
                        continue;
                    }
                    int[] d = deltas.computeIfAbsent(jobId, k -> new int[5]);
                    d[0]++;
                    if (r.reachable() != null) {
                        d[1 + r.reachable().ordinal()]++;
                    }
                }
            }
            for (NewResult r : keyed) {
                String key = r.jobId() + ":" + r.itemIndex();
                if (!seen.contains(key) || byKey.get(key) != r) {
                    ignored.add(r);
                }
            }
        }
    }

    /** Returns true when this update completed the job. */
    private boolean bumpCounters(Connection c, long jobId, int[] d, Instant now) throws SQLException {
        // Reachable's order is SAFE, RISKY, INVALID, UNKNOWN: the counters' order below.
        try (PreparedStatement ps = c.prepareStatement("UPDATE v1_bulk_job SET processed = processed + ?, "
                + "total_safe = total_safe + ?, total_risky = total_risky + ?, total_invalid = total_invalid + ?, "
                + "total_unknown = total_unknown + ?, "
                + "finished_at = CASE WHEN finished_at IS NULL AND processed + ? >= total_records THEN ? ELSE finished_at END "
                + "WHERE id = ? RETURNING processed, total_records")) {
            for (int i = 0; i < 5; i++) {
                ps.setInt(i + 1, d[i]);
            }
            ps.setInt(6, d[0]);
            db.setInstant(ps, 7, now);
            ps.setLong(8, jobId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                int processed = rs.getInt(1);
                int total = rs.getInt(2);
                return processed >= total && processed - d[0] < total;
            }
        }
    }

    @Override
    public Optional<StoredResult> findResult(long jobId, int itemIndex) {
        return db.read("Reading a result of job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT item_index, result, error, payload->'input'->>'to_email' AS email "
                            + "FROM v1_task_result WHERE job_id = ? AND item_index = ?")) {
                ps.setLong(1, jobId);
                ps.setInt(2, itemIndex);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(storedResult(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void forEachResult(long jobId, long limit, long offset, Consumer<StoredResult> sink) {
        db.read("Reading the results of job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT item_index, result, error, CASE WHEN result IS NULL THEN payload->'input'->>'to_email' END AS email "
                            + "FROM v1_task_result WHERE job_id = ? ORDER BY item_index, id LIMIT ? OFFSET ?")) {
                ps.setFetchSize(1000);
                ps.setLong(1, jobId);
                ps.setLong(2, limit);
                ps.setLong(3, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sink.accept(storedResult(rs));
                    }
                }
            }
            return null;
        });
    }

    @Override
    public void recordBudgetWait(long jobId, int itemIndex, Instant until) {
        db.write("Recording that an item of job " + jobId + " waits for proxy budget", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO bulk_budget_wait (job_id, item_index, until) "
                    + "VALUES (?, ?, ?) ON CONFLICT (job_id, item_index) DO UPDATE SET until = excluded.until")) {
                ps.setLong(1, jobId);
                ps.setInt(2, itemIndex);
                db.setInstant(ps, 3, until);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public BudgetWait budgetWait(long jobId, Instant now) {
        return db.read("Reading the budget wait of job " + jobId, c -> {
            // An item with a result waits no more; its note stays until the job is deleted (no
            // extra work when results are stored).
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) AS waiting, MIN(CASE WHEN w.until > ? THEN w.until END) AS returns_at "
                    + "FROM bulk_budget_wait w WHERE w.job_id = ? AND NOT EXISTS (SELECT 1 FROM v1_task_result r "
                    + "WHERE r.job_id = w.job_id AND r.item_index = w.item_index)")) {
                db.setInstant(ps, 1, now);
                ps.setLong(2, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    int waiting = rs.getInt("waiting");
                    return waiting == 0 ? BudgetWait.NONE : new BudgetWait(waiting, db.getInstant(rs, "returns_at"));
                }
            }
        });
    }

    @Override
    public List<Long> jobsToDispatch(Instant now) {
        return db.read("Finding jobs to publish", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM v1_bulk_job WHERE published < total_records "
                    + "AND (dispatch_lease_until IS NULL OR dispatch_lease_until < ?) ORDER BY id")) {
                db.setInstant(ps, 1, now);
                List<Long> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                return ids;
            }
        });
    }

    @Override
    public boolean claimDispatch(long jobId, Instant now, Instant until) {
        return db.write("Claiming job " + jobId + " for publishing", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE v1_bulk_job SET dispatch_lease_until = ? "
                    + "WHERE id = ? AND published < total_records "
                    + "AND (dispatch_lease_until IS NULL OR dispatch_lease_until < ?)")) {
                db.setInstant(ps, 1, until);
                ps.setLong(2, jobId);
                db.setInstant(ps, 3, now);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<JobItem> items(long jobId, int fromIndex, int limit) {
        return db.read("Reading items of job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT item_index, email FROM v1_bulk_item "
                    + "WHERE job_id = ? AND item_index >= ? ORDER BY item_index LIMIT ?")) {
                ps.setLong(1, jobId);
                ps.setInt(2, fromIndex);
                ps.setInt(3, limit);
                List<JobItem> items = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(new JobItem(rs.getInt(1), rs.getString(2)));
                    }
                }
                return items;
            }
        });
    }

    @Override
    public void releaseDispatchLeases() {
        db.write("Releasing dispatch leases", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE v1_bulk_job SET dispatch_lease_until = NULL WHERE dispatch_lease_until IS NOT NULL")) {
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public boolean markPublished(long jobId, int published, Instant leaseUntil) {
        return db.write("Recording the publishing of job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE v1_bulk_job SET published = ?, "
                    + "dispatch_lease_until = ? WHERE id = ? AND published < ?")) {
                ps.setInt(1, published);
                db.setInstant(ps, 2, leaseUntil);
                ps.setLong(3, jobId);
                ps.setInt(4, published);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Every row {@code ps} selects ({@link #JOB_COLUMNS}), in its order. */
    private List<JobRecord> jobRecords(PreparedStatement ps) throws SQLException {
        List<JobRecord> jobs = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                jobs.add(jobRecord(rs));
            }
        }
        return jobs;
    }

    @Override
    public List<JobRecord> finishedUnnotified(Instant finishedBefore) {
        return db.read("Finding finished jobs to notify", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + JOB_COLUMNS + " FROM v1_bulk_job "
                    + "WHERE finished_at IS NOT NULL AND finished_at < ? AND finish_notified_at IS NULL "
                    + "AND webhook IS NOT NULL ORDER BY id")) {
                db.setInstant(ps, 1, finishedBefore);
                return jobRecords(ps);
            }
        });
    }

    @Override
    public void markNotified(long jobId, Instant at) {
        db.write("Recording the notification of job " + jobId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE v1_bulk_job SET finish_notified_at = ? WHERE id = ?")) {
                db.setInstant(ps, 1, at);
                ps.setLong(2, jobId);
                return ps.executeUpdate();
            }
        });
    }

    private JobRecord jobRecord(ResultSet rs) throws SQLException {
        return new JobRecord(rs.getLong("id"), rs.getInt("total_records"), db.getInstant(rs, "created_at"),
                rs.getInt("processed"), rs.getInt("total_safe"), rs.getInt("total_risky"), rs.getInt("total_invalid"),
                rs.getInt("total_unknown"), db.getInstant(rs, "finished_at"), rs.getInt("published"),
                rs.getString("task_template"), rs.getString("webhook"));
    }

    private static StoredResult storedResult(ResultSet rs) throws SQLException {
        int item = rs.getInt(1);
        Integer itemIndex = rs.wasNull() ? null : item;
        return new StoredResult(itemIndex, rs.getString(2), rs.getString(3), rs.getString(4));
    }

    private static void setNullableString(PreparedStatement ps, int i, String v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, v);
        }
    }

    private static void setNullableLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    private static void setNullableInt(PreparedStatement ps, int i, Integer v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setInt(i, v);
        }
    }

    @Override
    public void close() {
        db.close();
    }

    /** For diagnostics: row counts per table. */
    Map<String, Long> counts() {
        return db.read("Counting rows", c -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String t : List.of("v1_bulk_job", "v1_bulk_item", "v1_task_result")) {
                try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + t);
                        ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    counts.put(t, rs.getLong(1));
                }
            }
            return counts;
        });
    }
}
