package dev.reacher.core.verify;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.reacher.core.misc.MiscDetails;
import dev.reacher.core.mx.MxDetails;
import dev.reacher.core.smtp.SmtpDetails;
import dev.reacher.core.smtp.SmtpError;
import dev.reacher.core.syntax.SyntaxDetails;
import java.util.Objects;

/**
 * The result of one verification, serialised exactly as upstream's {@code CheckEmailOutput}:
 * {@code input, is_reachable, misc, mx, smtp, syntax, debug} in that order. {@code smtp} is either
 * the details or an error object.
 */
@JsonPropertyOrder({"input", "is_reachable", "misc", "mx", "smtp", "syntax", "debug"})
public record CheckEmailOutput(
        @JsonProperty("input") String input,
        @JsonProperty("is_reachable") Reachable isReachable,
        @JsonProperty("misc") MiscDetails misc,
        @JsonProperty("mx") MxDetails mx,
        @JsonIgnore SmtpDetails smtpDetails,
        @JsonIgnore SmtpError smtpError,
        @JsonProperty("syntax") SyntaxDetails syntax,
        @JsonProperty("debug") DebugDetails debug) {

    public CheckEmailOutput {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(isReachable, "isReachable");
        if ((smtpDetails == null) == (smtpError == null)) {
            throw new IllegalArgumentException("exactly one of smtpDetails and smtpError");
        }
    }

    /** The {@code smtp} field: details or {@code {"error":…}}. */
    @JsonProperty("smtp")
    public Object smtp() {
        return smtpError != null ? smtpError : smtpDetails;
    }
}
