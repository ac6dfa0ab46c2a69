package dev.reacher.core.misc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/** Loads one of the bundled one-entry-per-line lists into a set. */
final class WordList {
    private WordList() {}

    /**
     * Each line trimmed and taken as an exact-match entry, blank lines skipped (as upstream's
     * {@code lines().map(trim)}). A missing resource is a packaging error, so it throws instead of
     * quietly answering "false" for every lookup.
     */
    static Set<String> load(String resourceName) {
        try (InputStream in = WordList.class.getResourceAsStream(resourceName)) {
            if (in == null) {
                throw new IllegalStateException("missing bundled resource dev/reacher/core/misc/" + resourceName);
            }
            Set<String> entries = new HashSet<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String entry = line.strip();
                if (!entry.isEmpty()) {
                    entries.add(entry);
                }
            }
            return Collections.unmodifiableSet(entries);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled resource " + resourceName, e);
        }
    }
}
