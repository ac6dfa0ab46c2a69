package dev.reacher.server.testing;

import dev.reacher.core.mx.DnsServers;
import dev.reacher.core.smtp.SmtpConfig;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.core.verify.VerifMethod;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.job.JobProgress;
import dev.reacher.server.storage.StorageSettings;
import dev.reacher.server.task.ProxyCredentials;
import dev.reacher.server.worker.WorkerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A single-machine reacher in a child JVM for crash tests: SQLite store, embedded queue,
 * in-process worker. {@code --emails=FILE} creates a job from the file (prints {@code job <id>});
 * {@code --job=ID} follows a job; progress is printed every 100 ms and, with {@code --exit-when-done},
 * the process exits 0 once the job is completed.
 */
public final class SingleMachineProcess {
    public static void main(String[] args) throws Exception {
        java.util.Map<String, String> flags = new java.util.HashMap<>();
        for (String a : args) {
            flags.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        SmtpConfig smtp = new SmtpConfig("probe@client.test", "probe.test", null,
                Integer.parseInt(flags.get("smtp-port")), Duration.ofSeconds(5), 1);
        CheckEmailInput template = CheckEmailInput.of("").withVerifMethod(VerifMethod.sameForAll(null, smtp));
        EmailVerifier verifier = EmailVerifier.create(DnsServers.parse(flags.get("dns")));
        BulkStack stack = BulkStack.open(StorageSettings.sqlite(Path.of(flags.get("sqlite-path"))),
                WorkerSettings.defaults().withConcurrency(8), verifier, ProxyCredentials.none(), template);
        long job;
        if (flags.containsKey("emails")) {
            List<String> emails = Files.readAllLines(Path.of(flags.get("emails")));
            job = stack.bulk().createJob(emails, null);
            System.out.println("job " + job);
        } else {
            job = Long.parseLong(flags.get("job"));
        }
        System.out.println("ready");
        while (true) {
            JobProgress p = stack.bulk().progress(job);
            System.out.println("progress " + p.totalProcessed() + " " + p.jobStatus());
            if (p.jobStatus() == JobProgress.Status.Completed && flags.containsKey("exit-when-done")) {
                stack.close();
                verifier.close();
                System.exit(0);
            }
            Thread.sleep(100);
        }
    }
}
