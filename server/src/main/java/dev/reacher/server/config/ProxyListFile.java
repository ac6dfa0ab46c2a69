package dev.reacher.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The proxy list file ({@code proxy_pool.file}): one proxy per line, as a URL
 * ({@code socks5://user:pass@host:port?weight=3}) or in the vendor form ({@code host:port},
 * {@code host:port:user:pass}). A line whose first non-blank character is {@code #} is a comment,
 * as is anything after a blank followed by {@code #}; blank lines are skipped.
 *
 * <p>A member's id is {@code host:port} unless its URL names one ({@code ?id=…}); ids are
 * therefore stable across edits and reloads. A malformed line fails with the file, the line number
 * and the reason, never with the line's text (it may hold a password).
 */
final class ProxyListFile {
    /** Ids as in the configuration, plus {@code :} and brackets for the {@code host:port} default. */
    private static final Pattern ID = Pattern.compile("[a-z0-9\\[][a-z0-9_.:\\[\\]-]*");
    private static final Pattern TRAILING_COMMENT = Pattern.compile("\\s#.*$");

    /**
     * One member.
     *
     * @param line its 1-based line number
     * @param settings the URL's query without {@code id}, unvalidated
     */
    record Entry(int line, String id, ProxyUrl url, Map<String, String> settings) {}

    private ProxyListFile() {}

    /** Reads and parses the file. */
    static List<Entry> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw ConfigException.general("proxy list " + file + " not found (proxy_pool.file, RCH__PROXY_POOL__FILE)");
        } catch (IOException e) {
            throw ConfigException.general("cannot read proxy list " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /** Parses the text of a list; {@code name} is the file named in error messages. */
    static List<Entry> parse(String text, String name) {
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> lineOfId = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String line = TRAILING_COMMENT.matcher(lines[i]).replaceFirst("").strip();
            if (number == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Entry entry;
            try {
                entry = entry(number, line);
            } catch (IllegalArgumentException e) {
                throw lineProblem(name, number, e.getMessage());
            }
            Integer previous = lineOfId.putIfAbsent(entry.id(), number);
            if (previous != null) {
                throw lineProblem(name, number, "the id " + entry.id() + " is already used on line " + previous
                        + " (give one of them ?id=…)");
            }
            entries.add(entry);
        }
        return entries;
    }

    /** {@code proxy list FILE, line N: reason}. */
    static ConfigException lineProblem(String name, int line, String reason) {
        return ConfigException.general(origin(name, line) + ": " + reason);
    }

    /** {@code proxy list FILE, line N}: where a member's values came from, as messages name it. */
    static String origin(String name, int line) {
        return ConfigTree.PROXY_LIST_ORIGIN + name + ", line " + line;
    }

    private static Entry entry(int number, String line) {
        if (line.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("a line holds one proxy without blanks (percent-encode a blank in a URL as %20)");
        }
        ProxyUrl url = ProxyUrl.looksLikeUrl(line) ? ProxyUrl.parseUrl(line) : ProxyUrl.parseVendor(line);
        Map<String, String> settings = new LinkedHashMap<>(url.params());
        String id = settings.remove("id");
        if (id == null) {
            id = url.defaultId();
        } else {
            id = id.strip().toLowerCase(Locale.ROOT);
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException("id may hold only a-z, 0-9, '_', '-', '.' and ':', got `" + id + "`");
            }
        }
        return new Entry(number, id, url, settings);
    }
}
