package dev.reacher.server.storage;

/** The database could not be reached or rejected a statement; the message names what was being done. */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
