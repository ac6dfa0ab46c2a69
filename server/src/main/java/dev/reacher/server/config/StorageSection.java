package dev.reacher.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.storage.StorageSettings;
import java.io.IOException;
import java.nio.file.Path;

/** {@code [storage]}: upstream's PostgreSQL, else reacher-java's embedded SQLite file; see {@link StorageSettings}. */
final class StorageSection {
    private StorageSection() {}

    static StorageSettings read(ConfigTree t) {
        t.requireTable("storage");
        t.requireTable("storage.postgres");
        t.requireTable("storage.sqlite");
        String dbUrl = t.string("storage.postgres.db_url", null);
        if (dbUrl != null && dbUrl.isBlank()) {
            dbUrl = null;
        }
        if (dbUrl != null && !dbUrl.startsWith("postgres://") && !dbUrl.startsWith("postgresql://")
                && !dbUrl.startsWith("jdbc:postgresql://")) {
            throw t.fail("storage.postgres.db_url", "a postgres://user:password@host:5432/database URL",
                    t.node("storage.postgres.db_url"));
        }
        JsonNode extra = jsonText(t.raw("storage.postgres.extra"));
        String schema = t.string("storage.postgres.schema", null);
        if (schema != null && !schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw t.fail("storage.postgres.schema", "a lowercase SQL identifier (letters, digits, _)",
                    t.node("storage.postgres.schema"));
        }
        boolean sqlite = ConfigTree.orDefault(t.bool("storage.sqlite.enable"), true);
        String path = t.string("storage.sqlite.path", null);
        Path sqlitePath = null;
        if (path != null && !path.isBlank()) {
            String expanded = path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
            try {
                sqlitePath = Path.of(expanded).toAbsolutePath();
            } catch (java.nio.file.InvalidPathException e) {
                throw t.fail("storage.sqlite.path", "a file path", t.node("storage.sqlite.path"));
            }
        }
        String extraJson = extra == null || extra.isNull() ? null : ReacherJson.write(extra);
        return StorageSettings.of(dbUrl, schema, sqlitePath, sqlite, extraJson);
    }

    /**
     * A JSON object or array given as text (the only way to pass one in a single environment
     * variable) becomes that value; upstream stores the text itself as a JSON string.
     */
    private static JsonNode jsonText(JsonNode node) {
        if (node != null && node.isTextual()) {
            String text = node.textValue().strip();
            if (text.startsWith("{") || text.startsWith("[")) {
                try {
                    return ReacherJson.mapper().readTree(text);
                } catch (IOException e) {
                    return node; // not JSON after all: keep the string
                }
            }
        }
        return node;
    }
}
