package dev.reacher.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.reacher.core.mx.Provider;
import dev.reacher.core.verify.ProviderMethod;
import dev.reacher.server.storage.SqliteResultStore;
import dev.reacher.server.storage.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration messages an operator meets, and the documentation's examples copied as written
 * (read from {@code docs/} and the README, not retyped here): each loads, or fails with exactly the
 * line the documentation shows.
 */
class OperatorConfigMessagesTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern ASSIGNMENT = Pattern.compile("(RCH__[A-Z0-9_]+)=(\\S+)");

    @TempDir
    Path dir;

    private BackendConfig load(Map<String, String> env) {
        return ConfigLoader.load(null, env, dir);
    }

    private BackendConfig loadToml(String toml) throws Exception {
        return ConfigLoader.load(Files.writeString(dir.resolve("backend_config.toml"), toml), Map.of(), dir);
    }

    /** The RCH__ assignments of a documented command line, in order. */
    private static Map<String, String> env(String commandLine) {
        Map<String, String> env = new LinkedHashMap<>();
        Matcher m = ASSIGNMENT.matcher(commandLine);
        while (m.find()) {
            env.put(m.group(1), m.group(2));
        }
        return env;
    }

    private static String doc(String name) throws Exception {
        return Files.readString(REPO.resolve(name));
    }

    @Test
    void keysThatDifferOnlyInCaseAreRefusedNamingBoth() {
        assertThatThrownBy(() -> loadToml("""
                [overrides.proxies.Proxy1]
                host = "127.0.0.1"
                port = 1080
                [overrides.proxies.proxy1]
                host = "127.0.0.2"
                port = 1081
                """)).isInstanceOf(ConfigException.class)
                .hasMessage("overrides.proxies.proxy1 (RCH__OVERRIDES__PROXIES__PROXY1): `overrides.proxies.Proxy1` and "
                        + "`overrides.proxies.proxy1` differ only in case, and keys are not case-sensitive (ids are "
                        + "lowercase): they would be one; rename or remove one (file backend_config.toml)");
    }

    @Test
    void tablesSpelledInTwoCasesStillMergeWhenNothingIsOverwritten() throws Exception {
        BackendConfig c = loadToml("""
                [Worker]
                enable = false
                [worker.rabbitmq]
                concurrency = 4
                """);
        assertThat(c.worker().concurrency()).isEqualTo(4);
        assertThatThrownBy(() -> loadToml("""
                Hello_Name = "a"
                hello_name = "b"
                """)).hasMessageStartingWith("hello_name (RCH__HELLO_NAME): `Hello_Name` and `hello_name` differ only in case");
    }

    @Test
    void aDuplicateKeyIsReportedAtItsSecondLine() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> loadToml("""
                backend_name = "a"
                hello_name = "x"

                [dns]
                attempts = 2
                [worker]
                enable = false
                enable = true
                """));
        assertThat(e.getMessage()).endsWith("backend_config.toml: Duplicate key `enable` (line 8)");
    }

    @Test
    void aUsernameWithoutAPasswordSaysThePasswordIsMissing() {
        assertThatThrownBy(() -> load(Map.of("RCH__OVERRIDES__PROXIES__P1__HOST", "127.0.0.1",
                "RCH__OVERRIDES__PROXIES__P1__PORT", "1080", "RCH__OVERRIDES__PROXIES__P1__USERNAME", "alice")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("overrides.proxies.p1.password (RCH__OVERRIDES__PROXIES__P1__PASSWORD): missing: "
                        + "overrides.proxies.p1.username is set");
        assertThatThrownBy(() -> load(Map.of("RCH__PROXY__HOST", "127.0.0.1", "RCH__PROXY__PORT", "1080",
                "RCH__PROXY__PASSWORD", "s3cret")))
                .hasMessageStartingWith("proxy.username (RCH__PROXY__USERNAME): missing: proxy.password is set")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void proxiesAreListedInIdOrderAndStorageNamesItsRealFile() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String id : List.of("zeta", "alpha", "mid", "beta")) {
            env.put("RCH__OVERRIDES__PROXIES__" + id.toUpperCase() + "__HOST", "127.0.0.1");
            env.put("RCH__OVERRIDES__PROXIES__" + id.toUpperCase() + "__PORT", "1080");
        }
        BackendConfig config = load(env);
        assertThat(List.copyOf(config.proxies().keySet())).containsExactly("alpha", "beta", "mid", "zeta");
        assertThat(config.storage().toString()).isEqualTo("Storage[sqlite " + SqliteResultStore.defaultPath() + "]")
                .doesNotContain("null");
    }

    @Test
    void proxyListOfAProviderAsWrittenInProxiesMdImpliesSmtp() throws Exception {
        String text = doc("docs/proxies.md");
        // the routing section's example (the list-file section has another one, with file ids)
        Matcher m = Pattern.compile("`(RCH__OVERRIDES__GMAIL__PROXY=proxy1[^`]+)`").matcher(text);
        assertThat(m.find()).isTrue();
        Map<String, String> env = new LinkedHashMap<>(env(m.group(1)));
        for (String id : List.of("PROXY1", "PROXY2")) {
            env.put("RCH__OVERRIDES__PROXIES__" + id + "__HOST", "127.0.0.1");
            env.put("RCH__OVERRIDES__PROXIES__" + id + "__PORT", "1080");
        }
        BackendConfig config = load(env);
        assertThat(config.verifMethod().method(Provider.GMAIL)).isInstanceOfSatisfying(ProviderMethod.Smtp.class,
                s -> assertThat(s.config().proxy()).isEqualTo("proxy1,proxy2"));
    }

    @Test
    void theEnvironmentOnlyWeightedExampleLoadsAsWritten() throws Exception {
        String text = doc("docs/proxies.md");
        int at = text.indexOf("Environment only");
        String block = text.substring(text.indexOf("```bash", at), text.indexOf("```\n", text.indexOf("```bash", at) + 7));
        BackendConfig config = load(env(block));
        assertThat(config.poolSettings().enabled()).isTrue();
        assertThat(config.poolSettings().strategy()).isEqualTo("weighted");
        assertThat(config.proxies().get("proxy1").weight()).isEqualTo(3);
        assertThat(config.proxies()).containsOnlyKeys("proxy1", "proxy2");
    }

    @Test
    void everyErrorExampleOfConfigurationMdIsWhatThatCommandPrints() throws Exception {
        List<String> lines = doc("docs/configuration.md").lines().toList();
        int checked = 0;
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("$ RCH__") && lines.get(i + 1).startsWith("reacher: invalid configuration: ")) {
                String command = lines.get(i);
                ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(env(command)));
                assertThat(e).as(lines.get(i)).isNotNull();
                assertThat("reacher: invalid configuration: " + e.getMessage()).isEqualTo(lines.get(i + 1));
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aSecondProcessOnTheSameSqliteFileIsToldWhichVariableGivesItItsOwn() throws Exception {
        Path file = dir.resolve("reacher.db");
        assertThat(doc("README.md")).contains("RCH__STORAGE__SQLITE__PATH=");
        try (var first = SqliteResultStore.open(file, null)) {
            assertThatThrownBy(() -> SqliteResultStore.open(file, null)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("in use by another process").hasMessageContaining("RCH__STORAGE__SQLITE__PATH");
        }
    }
}
