package dev.reacher.cli;

import dev.reacher.server.config.BackendConfig;
import dev.reacher.server.config.ConfigException;
import dev.reacher.server.config.ConfigLoader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE} and the loading that {@code serve} and {@code worker} share (a picocli mixin). */
final class ConfigOption {
    @Option(names = "--config", paramLabel = "FILE",
            description = "The TOML configuration file (default: $RCH__CONFIG_FILE, else ./backend_config.toml if it exists).")
    Path config;

    /** Reads the configuration again, as at startup (for reloads); throws {@link ConfigException} when invalid. */
    BackendConfig load() {
        return ConfigLoader.load(config, System.getenv(), Path.of("").toAbsolutePath());
    }

    /** The configuration, or null after one line on stderr naming the key and the variable. */
    BackendConfig loadOrReport() {
        try {
            return load();
        } catch (ConfigException e) {
            System.err.println("reacher: invalid configuration: " + e.getMessage());
            return null;
        }
    }
}
