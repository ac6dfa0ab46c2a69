package dev.reacher.core.misc;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The {@code misc} object of a check result, as upstream serialises it: key order fixed, nulls
 * written. Produced by {@link MiscChecker#check}; {@link #defaults()} on early returns.
 *
 * @param isDisposable the domain or a parent domain is in the mailchecker disposable list
 * @param isRoleAccount the lowercased username is a role such as {@code info} or {@code support}
 * @param isB2c the lowercased domain is a consumer mail provider
 * @param gravatarUrl the Gravatar image URL when one exists and the lookup was asked for, else null
 * @param haveibeenpwned whether HaveIBeenPwned knows breaches for the address; null when not asked or
 *     when the lookup failed
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"is_disposable", "is_role_account", "is_b2c", "gravatar_url", "haveibeenpwned"})
public record MiscDetails(
        @JsonProperty("is_disposable") boolean isDisposable,
        @JsonProperty("is_role_account") boolean isRoleAccount,
        @JsonProperty("is_b2c") boolean isB2c,
        @JsonProperty("gravatar_url") String gravatarUrl,
        @JsonProperty("haveibeenpwned") Boolean haveibeenpwned) {

    private static final MiscDetails DEFAULTS = new MiscDetails(false, false, false, null, null);

    /** All false/null: what upstream reports when the pipeline returns before the misc step. */
    public static MiscDetails defaults() {
        return DEFAULTS;
    }
}
