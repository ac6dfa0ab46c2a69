package dev.reacher.core.misc;

/**
 * Which optional network lookups {@link MiscChecker} makes for one check.
 *
 * @param checkGravatar look the address up on Gravatar
 * @param haveibeenpwnedApiKey look the address up on HaveIBeenPwned with this key; null skips the
 *     lookup, while any non-null value, even {@code ""}, enables it (as upstream)
 */
public record MiscOptions(boolean checkGravatar, String haveibeenpwnedApiKey) {

    private static final MiscOptions NONE = new MiscOptions(false, null);

    /** No network lookups: upstream's defaults. */
    public static MiscOptions none() {
        return NONE;
    }

    /** Whether the HaveIBeenPwned lookup is enabled. */
    public boolean checkHaveibeenpwned() {
        return haveibeenpwnedApiKey != null;
    }

    /** Never prints the API key. */
    @Override
    public String toString() {
        return "MiscOptions[checkGravatar=" + checkGravatar
                + ", haveibeenpwnedApiKey=" + (haveibeenpwnedApiKey == null ? "null" : "***") + "]";
    }
}
