package dev.reacher.cli;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file of addresses as {@code check --file} and {@code bulk submit} read it: one a line, surrounding
 * white space stripped, blank lines and {@code #} comments skipped, UTF-8; {@code -} is stdin.
 *
 * <pre>{@code
 * try (AddressFile addresses = AddressFile.open(name)) {
 *     for (String email; (email = addresses.next()) != null; ) { … }
 * }
 * }</pre>
 */
final class AddressFile implements Closeable {
    private final BufferedReader reader;

    private AddressFile(BufferedReader reader) {
        this.reader = reader;
    }

    /** @throws java.nio.file.NoSuchFileException when {@code name} is not a file */
    static AddressFile open(String name) throws IOException {
        if ("-".equals(name)) {
            return new AddressFile(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        }
        return new AddressFile(Files.newBufferedReader(Path.of(name), StandardCharsets.UTF_8));
    }

    /** The next address, or null at the end. */
    String next() throws IOException {
        for (String line; (line = reader.readLine()) != null; ) {
            String email = line.strip();
            if (!email.isEmpty() && !email.startsWith("#")) {
                return email;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
