package dev.reacher.server.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.reacher.server.job.JobProgress;
import dev.reacher.server.storage.ResultStore;
import dev.reacher.server.storage.SqliteResultStore;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.storage.StoredResult;
import dev.reacher.server.task.ProxyCredentials;
import dev.reacher.server.task.TaskCodec;
import dev.reacher.server.testing.ChildJvm;
import dev.reacher.server.testing.MailFixture;
import dev.reacher.server.testing.SingleMachineProcess;
import dev.reacher.server.worker.WorkerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Single-machine mode survives a crash: a process holding a half-done job on its SQLite file is
 * killed with SIGKILL, a new process opens the same file, and the job resumes and completes with
 * exactly one result per address.
 */
class SingleMachineRestartTest {

    @Test
    void killedMidJobThenRestartedCompletesWithOneResultPerAddress() throws Exception {
        int n = 400;
        try (MailFixture mail = MailFixture.start()) {
            List<String> emails = mail.addresses("restart", n, Duration.ofMillis(30));
            Path dir = Files.createTempDirectory("single");
            Path db = dir.resolve("reacher.db");
            Path list = Files.write(dir.resolve("emails.txt"), emails);
            String[] common = {"--sqlite-path=" + db, "--dns=" + mail.dns.address(), "--smtp-port=" + mail.smtp.port()};

            long job;
            try (ChildJvm first = ChildJvm.start("single-first", "ready", SingleMachineProcess.class,
                    concat(common, "--emails=" + list))) {
                first.awaitReady(Duration.ofSeconds(60));
                job = Long.parseLong(first.output().stream().filter(l -> l.startsWith("job ")).findFirst().orElseThrow()
                        .substring(4));
                waitForProgress(first, n / 4);
                first.kill(); // SIGKILL: leased tasks, unflushed acks and in-flight verifications are lost
                int atKill = lastProgress(first);
                assertThat(atKill).isLessThan(n);
            }

            try (ChildJvm second = ChildJvm.start("single-second", "ready", SingleMachineProcess.class,
                    concat(common, "--job=" + job, "--exit-when-done=true"))) {
                assertThat(second.waitFor(Duration.ofSeconds(120))).isZero();
            }

            try (ResultStore store = SqliteResultStore.open(db, null)) {
                assertThat(store.job(job).orElseThrow().processed()).isEqualTo(n);
                List<StoredResult> results = new ArrayList<>();
                store.forEachResult(job, Long.MAX_VALUE, 0, results::add);
                assertThat(results).extracting(StoredResult::itemIndex).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
                assertThat(results.get(0).resultJson()).contains("\"input\":\"" + emails.get(0) + "\"");
                assertThat(store.job(job).orElseThrow().totalInvalid()).isEqualTo(n / 3);
            }
        }
    }

    @Test
    void aJobLeftUnpublishedByACrashIsPublishedAtTheNextStart() throws Exception {
        try (MailFixture mail = MailFixture.start(); var verifier = mail.verifier()) {
            Path db = Files.createTempDirectory("unpublished").resolve("reacher.db");
            List<String> emails = mail.addresses("unpublished", 30);
            long job;
            // A process that stored the job, took the dispatch lease for an hour and died before publishing.
            try (ResultStore store = SqliteResultStore.open(db, null)) {
                job = store.createJob(new dev.reacher.server.storage.NewJob(emails, TaskCodec.inputTemplate(mail.template()), null));
                var now = dev.reacher.server.storage.Database.now();
                assertThat(store.claimDispatch(job, now, now.plus(Duration.ofHours(1)))).isTrue();
            }
            try (BulkStack stack = BulkStack.open(StorageSettings.sqlite(db), WorkerSettings.defaults().withConcurrency(8),
                    verifier, ProxyCredentials.none(), mail.template())) {
                org.awaitility.Awaitility.await().atMost(30, java.util.concurrent.TimeUnit.SECONDS)
                        .until(() -> stack.bulk().progress(job).jobStatus() == JobProgress.Status.Completed);
                assertThat(stack.bulk().progress(job).totalProcessed()).isEqualTo(30);
            }
        }
    }

    static void waitForProgress(ChildJvm child, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (lastProgress(child) < atLeast) {
            if (System.nanoTime() > deadline || !child.isAlive()) {
                throw new AssertionError("no progress to " + atLeast + ": " + child.output());
            }
            Thread.sleep(20);
        }
    }

    static int lastProgress(ChildJvm child) {
        List<String> out = child.output();
        for (int i = out.size() - 1; i >= 0; i--) {
            if (out.get(i).startsWith("progress ")) {
                return Integer.parseInt(out.get(i).split(" ")[1]);
            }
        }
        return 0;
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
