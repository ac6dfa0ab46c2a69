package dev.reacher.core.verify;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.smtp.SmtpConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How one provider's addresses are verified: upstream's internally tagged
 * {@code {"type":"smtp", …SmtpConfig fields}}, {@code {"type":"headless"}} or {@code {"type":"api"}}.
 */
public sealed interface ProviderMethod {

    /** The RCPT TO conversation, with its own SMTP settings and proxy id. */
    record Smtp(SmtpConfig config) implements ProviderMethod {
        public Smtp {
            Objects.requireNonNull(config, "config");
        }
    }

    /** A WebDriver-driven password-recovery page (Hotmail B2C, Yahoo). Not supported by this build yet. */
    record Headless() implements ProviderMethod {}

    /** Yahoo's sign-up API. Not supported by this build yet. */
    record Api() implements ProviderMethod {}

    static ProviderMethod smtp(SmtpConfig config) {
        return new Smtp(config);
    }

    /** The lowercase tag used in input JSON and configuration. */
    default String tag() {
        return switch (this) {
            case Smtp s -> "smtp";
            case Headless h -> "headless";
            case Api a -> "api";
        };
    }

    @JsonValue
    default Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", tag());
        if (this instanceof Smtp s) {
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = ReacherJson.mapper().convertValue(s.config(), Map.class);
            json.putAll(fields);
        }
        return json;
    }
}
