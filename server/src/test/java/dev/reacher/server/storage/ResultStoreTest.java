package dev.reacher.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.core.verify.Reachable;
import dev.reacher.server.testing.Services;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The store's guarantees, the same on the real PostgreSQL and on SQLite. */
class ResultStoreTest {
    enum Kind { POSTGRES, SQLITE }

    private final List<Runnable> cleanup = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        cleanup.forEach(Runnable::run);
    }

    private ResultStore open(Kind kind, String extra) throws Exception {
        ResultStore store;
        if (kind == Kind.POSTGRES) {
            Services.requirePostgres();
            String schema = Services.freshSchema("store");
            store = PostgresResultStore.open(Services.POSTGRES_URL, schema, 8, extra);
            cleanup.add(() -> Services.dropSchema(schema));
        } else {
            Path dir = Files.createTempDirectory("store");
            store = SqliteResultStore.open(dir.resolve("reacher.db"), extra);
        }
        cleanup.add(0, store::close);
        return store;
    }

    private static NewResult ok(long job, int item, Reachable r) {
        return NewResult.success(job, item, "{\"input\":{\"to_email\":\"a" + item + "@x.test\"}}",
                "{\"input\":\"a" + item + "@x.test\",\"is_reachable\":\"" + r.json() + "\"}", r);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void jobAndItemsAreStoredInOrder(Kind kind) throws Exception {
        ResultStore store = open(kind, null);
        long id = store.createJob(new NewJob(List.of("a@x.test", "", "a@x.test"), "{\"to_email\":\"\"}", null));
        JobRecord job = store.job(id).orElseThrow();
        assertThat(job.totalRecords()).isEqualTo(3);
        assertThat(job.published()).isZero();
        assertThat(job.processed()).isZero();
        assertThat(job.createdAt()).isNotNull();
        assertThat(job.finishedAt()).isNull();
        assertThat(store.items(id, 0, 10)).containsExactly(new JobItem(0, "a@x.test"), new JobItem(1, ""),
                new JobItem(2, "a@x.test"));
        assertThat(store.items(id, 2, 10)).containsExactly(new JobItem(2, "a@x.test"));
        assertThat(store.job(id + 1000)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void oneResultPerItemAndCountersMoveWithThem(Kind kind) throws Exception {
        ResultStore store = open(kind, "{\"tenant\":\"acme\"}");
        long id = store.createJob(new NewJob(List.of("a0", "a1", "a2", "a3"), "{}", null));
        assertThat(store.saveResults(List.of(ok(id, 0, Reachable.SAFE), ok(id, 1, Reachable.INVALID))))
                .isEqualTo(new SaveReport(List.of(), List.of()));
        // A redelivery of item 1 with another verdict, and a duplicate inside one batch: both ignored.
        NewResult again = ok(id, 1, Reachable.SAFE);
        NewResult first = ok(id, 2, Reachable.RISKY);
        NewResult dup = ok(id, 2, Reachable.RISKY);
        SaveReport report = store.saveResults(List.of(again, first, dup));
        assertThat(report.completedJobs()).isEmpty();
        assertThat(report.stored(again)).isFalse();
        assertThat(report.stored(first)).isTrue();
        assertThat(report.stored(dup)).isFalse();
        JobRecord mid = store.job(id).orElseThrow();
        assertThat(mid.processed()).isEqualTo(3);
        assertThat(List.of(mid.totalSafe(), mid.totalRisky(), mid.totalInvalid(), mid.totalUnknown()))
                .containsExactly(1, 1, 1, 0);
        // An error row counts as processed but in no verdict, and completes the job.
        assertThat(store.saveResults(List.of(NewResult.failure(id, 3, "{\"input\":{\"to_email\":\"a3\"}}", "boom")))
                .completedJobs()).containsExactly(id);
        assertThat(store.saveResults(List.of(ok(id, 3, Reachable.SAFE))).completedJobs()).isEmpty(); // reported once
        JobRecord done = store.job(id).orElseThrow();
        assertThat(done.completed()).isTrue();
        assertThat(done.processed()).isEqualTo(4);
        assertThat(done.finishedAt()).isNotNull();

        List<StoredResult> all = new ArrayList<>();
        store.forEachResult(id, Long.MAX_VALUE, 0, all::add);
        assertThat(all).extracting(StoredResult::itemIndex).containsExactly(0, 1, 2, 3);
        assertThat(all.get(1).resultJson()).contains("\"invalid\"");
        assertThat(all.get(3).resultJson()).isNull();
        assertThat(all.get(3).error()).isEqualTo("boom");
        assertThat(all.get(3).email()).isEqualTo("a3");

        List<StoredResult> page = new ArrayList<>();
        store.forEachResult(id, 2, 1, page::add);
        assertThat(page).extracting(StoredResult::itemIndex).containsExactly(1, 2);
        assertThat(store.findResult(id, 2)).get().extracting(StoredResult::resultJson).asString().contains("risky");
        assertThat(store.findResult(id, 9)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void concurrentWritersCompleteAJobExactlyOnce(Kind kind) throws Exception {
        ResultStore store = open(kind, null);
        int n = 600;
        long id = store.createJob(new NewJob(Collections.nCopies(n, "x@y.test"), "{}", null));
        ConcurrentLinkedQueue<Long> completions = new ConcurrentLinkedQueue<>();
        try (var pool = Executors.newFixedThreadPool(6)) {
            // Six writers, each item written twice by different writers, in small random batches.
            List<Integer> items = new ArrayList<>(IntStream.range(0, n).boxed().toList());
            items.addAll(IntStream.range(0, n).boxed().toList());
            Collections.shuffle(items, new java.util.Random(7));
            for (int w = 0; w < 6; w++) {
                int from = w * items.size() / 6;
                int to = (w + 1) * items.size() / 6;
                List<Integer> mine = items.subList(from, to);
                pool.execute(() -> {
                    for (int i = 0; i < mine.size(); i += 7) {
                        List<NewResult> batch = mine.subList(i, Math.min(mine.size(), i + 7)).stream()
                                .map(item -> ok(id, item, Reachable.values()[item % 4])).toList();
                        completions.addAll(store.saveResults(batch).completedJobs());
                    }
                });
            }
        }
        assertThat(completions).containsExactly(id);
        JobRecord job = store.job(id).orElseThrow();
        assertThat(job.processed()).isEqualTo(n);
        assertThat(job.totalSafe() + job.totalRisky() + job.totalInvalid() + job.totalUnknown()).isEqualTo(n);
        List<StoredResult> all = new ArrayList<>();
        store.forEachResult(id, Long.MAX_VALUE, 0, all::add);
        assertThat(all).hasSize(n);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void singleShotRowsAreNeverDeduplicated(Kind kind) throws Exception {
        ResultStore store = open(kind, "{\"k\":1}");
        NewResult r = NewResult.success(null, null, "{\"input\":{\"to_email\":\"s@x.test\"},\"job_id\":\"single_shot\"}",
                "{\"input\":\"s@x.test\",\"is_reachable\":\"safe\"}", Reachable.SAFE);
        SaveReport report = store.saveResults(List.of(r, r));
        assertThat(report.completedJobs()).isEmpty();
        assertThat(report.ignored()).isEmpty();
        long rows = store.database().read("count", c -> {
            try (var ps = c.prepareStatement("SELECT COUNT(*) FROM v1_task_result WHERE job_id IS NULL AND extra IS NOT NULL");
                    var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(rows).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void dispatchLeaseIsExclusiveAndTheCursorOnlyMovesForward(Kind kind) throws Exception {
        ResultStore store = open(kind, null);
        long id = store.createJob(new NewJob(List.of("a", "b", "c"), "{}", null));
        var now = Database.now();
        assertThat(store.jobsToDispatch(now)).contains(id);
        assertThat(store.claimDispatch(id, now, now.plusSeconds(60))).isTrue();
        assertThat(store.claimDispatch(id, now, now.plusSeconds(60))).isFalse();
        assertThat(store.jobsToDispatch(now)).doesNotContain(id);
        // After the lease runs out (a crashed dispatcher), anyone can take over.
        assertThat(store.claimDispatch(id, now.plusSeconds(61), now.plusSeconds(120))).isTrue();
        store.markPublished(id, 2, now.plusSeconds(120));
        store.markPublished(id, 1, null); // a late, slower dispatcher cannot move it back
        assertThat(store.job(id).orElseThrow().published()).isEqualTo(2);
        store.markPublished(id, 3, null);
        assertThat(store.jobsToDispatch(now.plusSeconds(500))).doesNotContain(id);
    }

    @Test
    void migratesOverAnUpstreamDatabase() throws Exception {
        Services.requirePostgres();
        String schema = Services.freshSchema("upstream");
        cleanup.add(() -> Services.dropSchema(schema));
        // What upstream's sqlx migrations leave, with one finished job of two rows.
        Services.execute(schema, """
                CREATE TABLE v1_bulk_job (id SERIAL PRIMARY KEY, total_records INTEGER NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW());
                CREATE TABLE v1_task_result (id SERIAL PRIMARY KEY,
                    job_id INTEGER REFERENCES v1_bulk_job(id) ON DELETE CASCADE, payload JSONB NOT NULL, extra JSONB,
                    result JSONB, error TEXT, created_at TIMESTAMPTZ NOT NULL DEFAULT NOW());
                CREATE INDEX idx_v1_task_result_job_id ON v1_task_result (job_id);
                INSERT INTO v1_bulk_job (total_records) VALUES (2);
                INSERT INTO v1_task_result (job_id, payload, result) VALUES
                    (1, '{}', '{"input":"a@x.test","is_reachable":"safe"}'),
                    (1, '{}', '{"input":"b@x.test","is_reachable":"invalid"}');
                """);
        try (ResultStore store = PostgresResultStore.open(Services.POSTGRES_URL, schema, 2, null)) {
            JobRecord job = store.job(1).orElseThrow();
            assertThat(job.completed()).isTrue();
            assertThat(job.totalSafe()).isEqualTo(1);
            assertThat(job.totalInvalid()).isEqualTo(1);
            assertThat(job.published()).isEqualTo(2);
            assertThat(store.jobsToDispatch(Database.now())).isEmpty();
        }
    }

    @Test
    void oneProcessPerSqliteFile() throws Exception {
        Path file = Files.createTempDirectory("lock").resolve("reacher.db");
        try (ResultStore first = SqliteResultStore.open(file, null)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SqliteResultStore.open(file, null))
                    .isInstanceOf(StorageException.class).hasMessageContaining("in use by another process");
        }
        SqliteResultStore.open(file, null).close(); // released on close
    }

    @Test
    void upstreamUrlsBecomeJdbcUrls() {
        assertThat(PostgresUrl.toJdbc("postgres://user:p%40ss@db.example:5433/reacher?sslmode=disable"))
                .isEqualTo("jdbc:postgresql://db.example:5433/reacher?sslmode=disable&user=user&password=p%40ss");
        assertThat(PostgresUrl.toJdbc("jdbc:postgresql://h/db")).isEqualTo("jdbc:postgresql://h/db");
        assertThat(PostgresUrl.redact("postgres://user:secret@h/db")).isEqualTo("postgres://user:***@h/db");
    }
}
