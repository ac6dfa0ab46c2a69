package dev.reacher.core.verify;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * One verification request (upstream's {@code CheckEmailInput}, same JSON field names and order).
 * Build with {@link #of(String)} and the {@code with…} copiers.
 *
 * @param toEmail the address, used exactly as given
 * @param haveibeenpwnedApiKey when non-null (even empty), HaveIBeenPwned is queried
 */
@JsonPropertyOrder({"to_email", "verif_method", "check_gravatar", "haveibeenpwned_api_key", "webdriver_addr",
        "webdriver_config", "backend_name", "sentry_dsn"})
public record CheckEmailInput(
        @JsonProperty("to_email") String toEmail,
        @JsonProperty("verif_method") VerifMethod verifMethod,
        @JsonProperty("check_gravatar") boolean checkGravatar,
        @JsonProperty("haveibeenpwned_api_key") String haveibeenpwnedApiKey,
        @JsonProperty("webdriver_addr") String webdriverAddr,
        @JsonProperty("webdriver_config") WebdriverConfig webdriverConfig,
        @JsonProperty("backend_name") String backendName,
        @JsonProperty("sentry_dsn") String sentryDsn) {

    public static final String DEFAULT_BACKEND_NAME = "backend-dev";
    public static final String DEFAULT_WEBDRIVER_ADDR = "http://localhost:9515";

    /** {@code {"binary": path|null}}: the browser binary for headless checks. */
    public record WebdriverConfig(@JsonProperty("binary") String binary) {
        public static WebdriverConfig defaults() {
            return new WebdriverConfig(null);
        }
    }

    @JsonCreator
    public CheckEmailInput {
        Objects.requireNonNull(toEmail, "to_email");
        if (verifMethod == null) verifMethod = VerifMethod.defaults();
        if (webdriverAddr == null) webdriverAddr = DEFAULT_WEBDRIVER_ADDR;
        if (webdriverConfig == null) webdriverConfig = WebdriverConfig.defaults();
        if (backendName == null) backendName = DEFAULT_BACKEND_NAME;
    }

    /** An input with upstream's defaults. */
    public static CheckEmailInput of(String toEmail) {
        return new CheckEmailInput(toEmail, null, false, null, null, null, null, null);
    }

    public CheckEmailInput withVerifMethod(VerifMethod method) {
        return new CheckEmailInput(toEmail, method, checkGravatar, haveibeenpwnedApiKey, webdriverAddr,
                webdriverConfig, backendName, sentryDsn);
    }

    /** The WebDriver address and browser binary of the headless method (binary null: the driver's choice). */
    public CheckEmailInput withWebdriver(String addr, String binary) {
        return new CheckEmailInput(toEmail, verifMethod, checkGravatar, haveibeenpwnedApiKey, addr,
                new WebdriverConfig(binary), backendName, sentryDsn);
    }

    public CheckEmailInput withBackendName(String name) {
        return new CheckEmailInput(toEmail, verifMethod, checkGravatar, haveibeenpwnedApiKey, webdriverAddr,
                webdriverConfig, name, sentryDsn);
    }

    public CheckEmailInput withGravatar(boolean check) {
        return new CheckEmailInput(toEmail, verifMethod, check, haveibeenpwnedApiKey, webdriverAddr,
                webdriverConfig, backendName, sentryDsn);
    }

    public CheckEmailInput withHaveibeenpwnedApiKey(String key) {
        return new CheckEmailInput(toEmail, verifMethod, checkGravatar, key, webdriverAddr, webdriverConfig,
                backendName, sentryDsn);
    }

    public CheckEmailInput withToEmail(String email) {
        return new CheckEmailInput(email, verifMethod, checkGravatar, haveibeenpwnedApiKey, webdriverAddr,
                webdriverConfig, backendName, sentryDsn);
    }

    @Override
    public String toString() {
        return "CheckEmailInput[to_email=" + toEmail + ", backend_name=" + backendName + "]";
    }
}
