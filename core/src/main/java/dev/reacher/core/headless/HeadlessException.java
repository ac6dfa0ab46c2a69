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

    /**
     * Whether Chromium said it could not use its proxy ({@code net::ERR_PROXY_CONNECTION_FAILED},
     * {@code net::ERR_SOCKS_CONNECTION_FAILED}, …): the proxy's fault, not the page's.
     */
    public boolean isProxyFault() {
        String m = getMessage();
        return m != null && (m.contains("ERR_PROXY_") || m.contains("ERR_SOCKS_"));
    }
}
