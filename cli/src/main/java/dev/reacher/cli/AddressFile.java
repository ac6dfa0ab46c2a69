package dev.reacher.cli;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
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

    /**
     * A file that cannot be read as a list: missing, a directory, or not readable. Its message names
     * the file and says which, for one line on stderr (no stack trace).
     */
    static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message);
        }
    }

    /** @throws Unreadable when {@code name} is missing, a directory or cannot be read */
    static AddressFile open(String name) throws Unreadable {
        if ("-".equals(name)) {
            return new AddressFile(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        }
        Path path;
        try {
            path = Path.of(name);
        } catch (InvalidPathException e) {
            throw new Unreadable(name + ": not a valid file name");
        }
        if (Files.isDirectory(path)) {
            throw new Unreadable(name + " is a directory, not a file of addresses");
        }
        try {
            return new AddressFile(Files.newBufferedReader(path, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new Unreadable("no such file: " + name);
        } catch (AccessDeniedException e) {
            throw new Unreadable("cannot read " + name + ": permission denied");
        } catch (IOException e) {
            throw new Unreadable("cannot read " + name + ": " + e.getMessage());
        }
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
