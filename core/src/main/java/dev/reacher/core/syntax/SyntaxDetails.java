package dev.reacher.core.syntax;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The {@code syntax} object of a check result, as upstream serialises it: key order fixed, nulls
 * written. Produced by {@link SyntaxCheck#check(String)}; the suggestion is added later, only when the
 * pipeline decides to (see {@link ProviderSuggestion}).
 *
 * @param address the input exactly as given when valid, null when invalid
 * @param domain the part after {@code @}, original case; {@code ""} when invalid
 * @param isValidSyntax whether the syntax check (async-smtp's sanity check, then the fast_chemail grammar) accepted the input
 * @param username the part before {@code @}, original case; {@code ""} when invalid
 * @param normalizedEmail informational Gmail normalisation ({@link EmailNormalizer}); null when invalid
 * @param suggestion a "did you mean" address at a well-known provider, or null
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"address", "domain", "is_valid_syntax", "username", "normalized_email", "suggestion"})
public record SyntaxDetails(
        @JsonProperty("address") String address,
        @JsonProperty("domain") String domain,
        @JsonProperty("is_valid_syntax") boolean isValidSyntax,
        @JsonProperty("username") String username,
        @JsonProperty("normalized_email") String normalizedEmail,
        @JsonProperty("suggestion") String suggestion) {

    private static final SyntaxDetails INVALID = new SyntaxDetails(null, "", false, "", null, null);

    public SyntaxDetails {
        // Upstream's fields are plain Strings that default to "", never absent.
        if (domain == null) domain = "";
        if (username == null) username = "";
    }

    /** The object upstream reports for any syntactically invalid input. */
    public static SyntaxDetails invalid() {
        return INVALID;
    }

    /** A copy with {@code suggestion} replaced (null clears it). */
    public SyntaxDetails withSuggestion(String suggestion) {
        return new SyntaxDetails(address, domain, isValidSyntax, username, normalizedEmail, suggestion);
    }
}
