package dev.reacher.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The merged configuration (file, then {@code RCH__} variables leaf by leaf) as one lowercase-keyed
 * tree, with typed accessors that coerce strings as config-rs does and fail with a
 * {@link ConfigException} naming the key, its variable and the value's origin.
 *
 * <p>It remembers which keys were read so that unknown ones can be reported as warnings
 * (upstream ignores them silently, which hides typos such as {@code RCH__WORKER__THROTTLE__…}).
 */
final class ConfigTree {
    /** Keys whose values must never be quoted in a message. */
    private static final Set<String> SECRET_LEAVES = Set.of("password", "header_secret", "db_url", "url",
            "api_token", "sentry_dsn", "username");

    /** The origin prefix of values read from the proxy list file ({@link ProxyListFile}). */
    static final String PROXY_LIST_ORIGIN = "proxy list ";

    private final ObjectNode root;
    private final Map<String, String> origins = new HashMap<>(); // dotted path -> "file x" / "env X"
    private final Set<String> read = new HashSet<>();
    private final Set<String> opaque = new HashSet<>(); // subtrees taken as a whole (free-form JSON)

    ConfigTree() {
        this.root = JsonNodeFactory.instance.objectNode();
    }

    // ---- building -----------------------------------------------------------------------------

    /** Deep-merges a parsed file: every key lowercased (as config-rs does), each leaf remembered. */
    void mergeFile(JsonNode file, String origin) {
        mergeInto(root, file, "", "", origin, new java.util.HashMap<>());
    }

    /**
     * Keys are lowercased so that {@code RCH__} variables reach them, so two spellings of one key in a
     * file would silently become one. Refused: two proxy ids that differ only in case, and any value
     * that a differently spelled twin already set ({@code spelled}: lowercased path to the spelling).
     */
    private void mergeInto(ObjectNode target, JsonNode source, String prefix, String spelledPrefix, String origin,
            Map<String, String> spelled) {
        Map<String, String> siblings = new java.util.HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = source.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey().toLowerCase(Locale.ROOT);
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            String spelling = spelledPrefix.isEmpty() ? e.getKey() : spelledPrefix + "." + e.getKey();
            String twin = siblings.putIfAbsent(key, spelling);
            if (twin != null && prefix.equals("overrides.proxies")) {
                throw caseTwins(path, twin, spelling, origin);
            }
            if (!e.getValue().isObject()) {
                String earlier = spelled.putIfAbsent(path, spelling);
                if (earlier != null && !earlier.equals(spelling)) {
                    throw caseTwins(path, earlier, spelling, origin);
                }
            }
            JsonNode value = e.getValue();
            if (value.isObject()) {
                JsonNode existing = target.get(key);
                ObjectNode child = existing instanceof ObjectNode o ? o : target.putObject(key);
                mergeInto(child, value, path, spelling, origin, spelled);
            } else {
                target.set(key, lowercaseKeys(value));
                origins.put(path, origin);
            }
        }
    }

    /** Names the first segment where the two spellings part, e.g. {@code overrides.proxies.Proxy1}. */
    private static ConfigException caseTwins(String path, String first, String second, String origin) {
        String[] a = first.split("\\.");
        String[] b = second.split("\\.");
        int n = 0;
        while (n < Math.min(a.length, b.length) - 1 && a[n].equals(b[n])) {
            n++;
        }
        String one = String.join(".", java.util.Arrays.copyOf(a, n + 1));
        String other = String.join(".", java.util.Arrays.copyOf(b, n + 1));
        String key = one.toLowerCase(Locale.ROOT);
        return ConfigException.forKey(key, envVarFor(key, origin), "`" + one + "` and `" + other + "` differ only in"
                + " case, and keys are not case-sensitive (ids are lowercase): they would be one; rename or remove one ("
                + origin + ")");
    }

    private static JsonNode lowercaseKeys(JsonNode node) {
        if (node.isArray()) {
            var copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(n -> copy.add(lowercaseKeys(n)));
            return copy;
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(e -> copy.set(e.getKey().toLowerCase(Locale.ROOT), lowercaseKeys(e.getValue())));
            return copy;
        }
        return node;
    }

    /** Sets one leaf from an environment variable; intermediate tables are created (or replace scalars). */
    void setFromEnv(List<String> path, String value, String envVar) {
        set(path, value, "env " + envVar);
    }

    /**
     * Sets one leaf that another value implies (a proxy URL's host, a list file's line), with the
     * origin messages name; intermediate tables are created.
     */
    void set(List<String> path, String value, String origin) {
        ObjectNode node = root;
        for (int i = 0; i < path.size() - 1; i++) {
            JsonNode child = node.get(path.get(i));
            if (!(child instanceof ObjectNode)) {
                child = node.putObject(path.get(i));
            }
            node = (ObjectNode) child;
        }
        node.set(path.get(path.size() - 1), TextNode.valueOf(value));
        origins.put(String.join(".", path), origin);
    }

    /** Sets a leaf implied by the value at {@code fromPath} (a proxy URL's host, …), with that value's origin. */
    void setImplied(String fromPath, String path, String value) {
        String origin = originOf(fromPath);
        set(List.of(path.split("\\.")), value, origin == null ? "the value of " + fromPath : origin);
    }

    /** Marks a subtree as free-form: its inner keys are not reported as unknown. */
    void opaque(String path) {
        opaque.add(path);
        read.add(path);
    }

    // ---- reading ------------------------------------------------------------------------------

    /** The node at a dotted path, or null; marks it as read. */
    JsonNode node(String path) {
        read.add(path);
        JsonNode node = root;
        for (String segment : path.split("\\.")) {
            if (node == null || !node.isObject()) {
                return null;
            }
            node = node.get(segment);
        }
        return node == null || node.isNull() || node.isMissingNode() ? null : node;
    }

    boolean has(String path) {
        return node(path) != null;
    }

    /** A table's keys in sorted order (empty when absent); fails when the value is not a table. */
    List<String> keys(String path) {
        JsonNode node = node(path);
        if (node == null) {
            return List.of();
        }
        if (!node.isObject()) {
            throw fail(path, "a table of named entries", node);
        }
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        keys.sort(null);
        return keys;
    }

    void requireTable(String path) {
        JsonNode node = node(path);
        if (node != null && !node.isObject()) {
            throw fail(path, "a table", node);
        }
    }

    String string(String path, String fallback) {
        JsonNode node = node(path);
        if (node == null) {
            return fallback;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.asText(); // config-rs turns scalars into strings on demand
        }
        throw fail(path, "a string", node);
    }

    /** An integer in {@code [min, max]}; strings such as {@code "8080"} are parsed. */
    Long integer(String path, long min, long max, String expectation) {
        JsonNode node = node(path);
        if (node == null) {
            return null;
        }
        BigInteger value = null;
        if (node.isIntegralNumber()) {
            value = node.bigIntegerValue();
        } else if (node.isTextual()) {
            String text = node.textValue().strip();
            if (text.matches("[+-]?\\d{1,30}")) {
                value = new BigInteger(text.startsWith("+") ? text.substring(1) : text);
            }
        }
        if (value == null || value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw fail(path, expectation, node);
        }
        return value.longValue();
    }

    Integer intValue(String path, int min, int max, String expectation) {
        Long v = integer(path, min, max, expectation);
        return v == null ? null : v.intValue();
    }

    /** true/false/1/0/on/off/yes/no, any case, as config-rs accepts. */
    Boolean bool(String path) {
        JsonNode node = node(path);
        if (node == null) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber() && (node.asLong() == 0 || node.asLong() == 1)) {
            return node.asLong() == 1;
        }
        if (node.isTextual()) {
            switch (node.textValue().strip().toLowerCase(Locale.ROOT)) {
                case "true", "1", "on", "yes" -> {
                    return true;
                }
                case "false", "0", "off", "no" -> {
                    return false;
                }
                default -> { }
            }
        }
        throw fail(path, "a boolean (true/false, 1/0, on/off, yes/no)", node);
    }

    /** A TOML array of strings or one comma-separated string; blanks dropped. Null when absent. */
    List<String> stringList(String path) {
        JsonNode node = node(path);
        if (node == null) {
            return null;
        }
        List<String> items = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw fail(path, "a list of strings or a comma-separated string", node);
                }
                items.add(item.textValue().strip());
            }
        } else if (node.isTextual()) {
            for (String part : node.textValue().split(",")) {
                items.add(part.strip());
            }
        } else {
            throw fail(path, "a list of strings or a comma-separated string", node);
        }
        items.removeIf(String::isEmpty);
        return items;
    }

    /** The raw subtree, for free-form values such as {@code storage.postgres.extra}. */
    JsonNode raw(String path) {
        opaque(path);
        return node(path);
    }

    // ---- errors and warnings ------------------------------------------------------------------

    /** {@code key (VAR): expected <expectation>, got <value> (from <origin>)}. */
    ConfigException fail(String path, String expectation, JsonNode value) {
        String origin = originOf(path);
        String shown;
        if (value == null) {
            shown = "";
        } else if (SECRET_LEAVES.contains(lastSegment(path))) {
            shown = ", got a value that is not shown (secret)";
        } else {
            shown = ", got " + describe(value);
        }
        return forKey(path, origin, "expected " + expectation + shown);
    }

    /** A problem with a key that is not about its literal value (an unknown id, a missing key). */
    ConfigException problem(String path, String message) {
        String origin = originOf(path);
        return forKey(path, origin, message);
    }

    /**
     * A value from a proxy list file is named by its file, line and setting ({@code proxy list F,
     * line 3: weight: expected …}); any other by its key and variable.
     */
    private static ConfigException forKey(String path, String origin, String problem) {
        if (origin != null && origin.startsWith(PROXY_LIST_ORIGIN)) {
            return ConfigException.general(origin + ": " + lastSegment(path) + ": " + problem);
        }
        return ConfigException.forKey(path, envVarFor(path, origin), problem + (origin != null ? " (from " + origin + ")" : ""));
    }

    /** {@code RCH__A__B_C} for {@code a.b_c}; the variable actually used when it came from the environment. */
    static String envVar(String path) {
        return "RCH__" + path.replace(".", "__").toUpperCase(Locale.ROOT);
    }

    private static String envVarFor(String path, String origin) {
        if (origin != null && origin.startsWith("env ")) {
            return origin.substring(4);
        }
        return envVar(path);
    }

    private String originOf(String path) {
        String p = path;
        while (true) {
            String origin = origins.get(p);
            if (origin != null) {
                return origin;
            }
            int dot = p.lastIndexOf('.');
            if (dot < 0) {
                return null;
            }
            p = p.substring(0, dot);
        }
    }

    private static String lastSegment(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    private static String describe(JsonNode value) {
        if (value.isTextual()) {
            String text = value.textValue();
            if (text.length() > 80) {
                text = text.substring(0, 77) + "...";
            }
            return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + "\"";
        }
        if (value.isObject()) {
            return "a table";
        }
        if (value.isArray()) {
            return "a list";
        }
        return value.toString();
    }

    /** {@code value}, or {@code fallback} when the key was absent (the accessors answer null then). */
    static <T> T orDefault(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** Every leaf that no accessor asked for, with where it came from, sorted. */
    List<String> unreadKeys() {
        Set<String> unread = new TreeSet<>();
        collectUnread(root, "", unread);
        return List.copyOf(unread);
    }

    private void collectUnread(JsonNode node, String prefix, Set<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (opaque.contains(path)) {
                continue;
            }
            if (e.getValue().isObject()) {
                collectUnread(e.getValue(), path, out);
            } else if (!read.contains(path)) {
                String origin = originOf(path);
                out.add(path + (origin != null ? " (from " + origin + ")" : ""));
            }
        }
    }
}
