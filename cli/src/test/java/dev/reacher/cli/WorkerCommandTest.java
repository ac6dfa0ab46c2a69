package dev.reacher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code reacher worker} as a process: configuration problems end it at once with one clear line. */
class WorkerCommandTest {

    private static Process worker(Map<String, String> env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ReacherCommand.class.getName(), "worker");
        pb.environment().keySet().removeIf(k -> k.toUpperCase().startsWith("RCH__"));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static List<String> stderrOf(Process p) throws Exception {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void withoutWorkerModeItExplainsWhatToSet() throws Exception {
        Process p = worker(Map.of());
        List<String> err = stderrOf(p);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(err).singleElement().asString().startsWith("reacher: a separate worker needs worker mode: set "
                + "worker.enable = true (RCH__WORKER__ENABLE)");
    }

    @Test
    void workerModeWithoutPostgresNamesTheKeyAndTheVariable() throws Exception {
        Process p = worker(Map.of("RCH__WORKER__ENABLE", "true"));
        List<String> err = stderrOf(p);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(err).containsExactly("reacher: invalid configuration: worker.enable (RCH__WORKER__ENABLE): When worker "
                + "mode is enabled, a Postgres database must be configured: set storage.postgres.db_url "
                + "(RCH__STORAGE__POSTGRES__DB_URL) (from env RCH__WORKER__ENABLE)");
    }
}
