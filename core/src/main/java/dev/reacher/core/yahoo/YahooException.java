package dev.reacher.core.yahoo;

/**
 * Why Yahoo's sign-up API gave no answer: {@code variant} is upstream's {@code YahooError} variant
 * ({@code ReqwestError}, {@code SerdeError}, {@code NoCookie}, {@code NoAcrumb},
 * {@code NoSessionIndex}); the last three carry no detail.
 */
public final class YahooException extends Exception {
    private final String variant;
    private final String detail;

    public YahooException(String variant, String detail) {
        super(detail == null ? variant : variant + ": " + detail, null, false, false);
        this.variant = variant;
        this.detail = detail;
    }

    public String variant() {
        return variant;
    }

    /** The error's detail, or null for the unit variants. */
    public String detail() {
        return detail;
    }
}
