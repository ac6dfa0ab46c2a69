package dev.reacher.core.headless;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One provider's account-recovery page and how to read it: type the address into {@code input},
 * click {@code submit}, then the first of {@code outcomes} whose element appears decides.
 *
 * @param name for messages, e.g. {@code Hotmail password reset}
 * @param attempts how many times the whole flow is tried before its last error is reported
 * @param pause wait between attempts
 */
public record RecoveryPage(String name, URI url, String input, String submit, List<Outcome> outcomes, int attempts,
        Duration pause) {

    /** The real Hotmail/Outlook.com password-reset page. */
    public static final URI HOTMAIL_URL = URI.create("https://account.live.com/password/reset");
    /** The real Yahoo "forgot" page. */
    public static final URI YAHOO_URL = URI.create("https://login.yahoo.com/forgot");

    /**
     * An element that decides the result when it appears.
     *
     * @param selector a CSS selector
     */
    public record Outcome(String selector, boolean deliverable, boolean disabled) {}

    public RecoveryPage {
        Objects.requireNonNull(url, "url");
        outcomes = List.copyOf(outcomes);
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
    }

    /**
     * Hotmail B2C (Outlook.com, Hotmail, Live): one attempt. A member-name error means no such
     * account; the proof-selection or code-entry step means the account exists.
     */
    public static RecoveryPage hotmail(URI url) {
        return new RecoveryPage("Hotmail password reset", url, "#iSigninName", "#resetPwdHipAction", List.of(
                new Outcome("#pMemberNameErr", false, false),
                new Outcome("#iSigninNameError", false, false),
                new Outcome("#iSelectProofTitle", true, false),
                new Outcome("#iEnterVerification", true, false)), 1, Duration.ZERO);
    }

    /**
     * Yahoo: up to three attempts, 1 s apart. An error message means no such account; the
     * "account is locked" notice means it exists but is disabled (reported as not deliverable and
     * disabled); any challenge (captcha, e-mail code, challenge selector) means it exists.
     */
    public static RecoveryPage yahoo(URI url) {
        return new RecoveryPage("Yahoo forgot", url, "#username", "button[name=\"verifyYid\"]", List.of(
                new Outcome(".error-msg", false, false),
                new Outcome(".ctx-account_is_locked", false, true),
                new Outcome(".recaptcha-challenge", true, false),
                new Outcome("#email-verify-challenge", true, false),
                new Outcome("#challenge-selector-challenge", true, false)), 3, Duration.ofSeconds(1));
    }
}
