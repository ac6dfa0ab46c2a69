package dev.reacher.core.headless;

/**
 * A headless check gave no verdict: {@code variant} is {@code NewSession} (no browser session could
 * be had) or {@code Cmd} (a WebDriver command failed or the page was not as expected), the two
 * kinds of upstream's {@code HeadlessError}.
 */
public final class HeadlessException extends Exception {
    /** The message when the page does not show the elements the flow relies on. */
    public static final String LAYOUT_NOT_RECOGNISED = "page layout not recognised";

    private final String variant;

    HeadlessException(String variant, String message) {
        super(message, null, false, false);
        this.variant = variant;
    }

    static HeadlessException newSession(String message) {
        return new HeadlessException("NewSession", message);
    }

    static HeadlessException cmd(String message) {
        return new HeadlessException("Cmd", message);
    }

    public String variant() {
        return variant;
    }
}
