package dev.reacher.core.headless;

/**
 * A WebDriver command failed: {@code error} is the W3C error code ({@code no such element},
 * {@code session not created}, {@code invalid session id}, …) or {@code unreachable} when the
 * driver did not answer.
 */
public final class WebDriverException extends Exception {
    private final String error;

    public WebDriverException(String error, String message) {
        super(error + ": " + message, null, false, false);
        this.error = error;
    }

    public String error() {
        return error;
    }
}
