package dev.reacher.testkit;

/**
 * Thrown when a third-party test peer cannot run on this machine (binary or test user missing,
 * not root). Tests must fail loudly rather than skip: the message says how to fix the machine.
 */
public final class PeerUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** The fix every message ends with. */
    public static final String HOW_TO_FIX = "run scripts/install-test-peers.sh (as root or with sudo)";

    public PeerUnavailableException(String problem) {
        super(problem + ": " + HOW_TO_FIX);
    }
}
