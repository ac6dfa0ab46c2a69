package dev.reacher.core.smtp;

import java.util.List;
import java.util.Locale;

/**
 * Upstream's substring tables that turn SMTP reply text into a mailbox state (RCPT TO) or an error
 * description (blacklist, reverse DNS). Two deliberate fixes: a rejection whose text blames our IP (blacklist, rDNS)
 * is reported as that error before the invalid-mailbox table is consulted, because
 * {@code 554 5.7.1 … blocked using zen.spamhaus.org} says nothing about the mailbox; and a 4xx
 * (transient) reply is never matched against the invalid-mailbox table, because "try again later"
 * is not "no such mailbox": postgrey's {@code 450 4.2.0 <x>: Recipient address rejected:
 * Greylisted} would otherwise match {@code address rejected}.
 *
 * <p>One exception to the blacklist-first order: Exchange Online (Microsoft 365) answers a
 * recipient that is not in the tenant's directory with {@code 550 5.4.1 Recipient address
 * rejected: Access denied. … AS(201806281)} ("directory-based edge blocking"). Its "access denied"
 * is about the mailbox, not our IP, so that reply is an invalid mailbox (as upstream says), while
 * Microsoft's real blocks ({@code 5.7.606}–{@code 5.7.609} "Access denied, banned sending IP",
 * {@code 5.7.511} "Access denied, banned sender") stay {@code IpBlacklisted}.
 */
public final class ReplyClassifier {

    /** What a RCPT reply says about the mailbox. */
    public enum MailboxState { DELIVERABLE, DISABLED, FULL_INBOX, INVALID }

    private static final List<String> DISABLED = List.of("disabled", "discontinued", "inactive");
    private static final List<String> FULL_INBOX = List.of("insufficient", "mailbox full", "quote exceeded",
            "over quota", "too many messages", "out of storage space");
    private static final String GMAIL_RATE_LIMITED = "the user you are trying to contact is receiving mail at a rate that";
    /** Exchange Online's directory-based edge blocking (see the class comment). */
    private static final String EXCHANGE_NO_SUCH_RECIPIENT = "5.4.1 recipient address rejected: access denied";
    private static final List<String> INVALID = List.of("address rejected", "unrouteable", "does not exist",
            "invalid address", "invalid email address", "invalid recipient", "may not exist", "recipient invalid",
            "recipient rejected", "unknown recipient address", "unknown recipient", "undeliverable", "user unknown",
            "unknown user", "recipient unknown", "no such user", "mailbox not found", "invalid mailbox", "no mailbox",
            "no such mailbox", "mailbox unavailable", "mailbox is unavailable", "not a valid mailbox",
            "no such recipient", "have an account", "unknown local part", "no longer available", "dosn't exist",
            "could not be found", "no such person", "address error", "address is not handled",
            "recipient is not exist", "recipient not found", "email doesn't exist", "verify address failed",
            "unable to verify user", "utilisateur inconnu", "permanent: 5.1.1", "permanent: 5.7.1",
            // Ours: Yahoo's "This user doesn't have a yahoo.com account" (upstream: unknown).
            "user doesn't have a");
    private static final List<String> IP_BLACKLISTED = List.of("blacklist", "black list", "block list", "spam",
            "abusix", "relaying denied", "access denied", "administratively denied", "banned", "blocked",
            "connection rejected", "poor reputation", "junkmail", "refused by proofpoint", "dnsbl",
            "sbrs score too low", "spamhaus", "relay not permitted", "not yet authorized",
            // Ours: Gmail's "The IP you're using to send mail is not authorized to send email directly to our servers".
            "not authorized to send email directly");
    private static final List<String> NEEDS_RDNS = List.of("cannot find your reverse hostname", "reverse dns entry");

    private ReplyClassifier() {}

    /**
     * Classifies the reply to {@code RCPT TO}; null when the reply is an error that says nothing
     * about the mailbox (greylisting, blacklisting, anything unrecognised).
     */
    public static MailboxState classifyRcpt(SmtpReply reply, String toEmail) {
        if (reply.isPositive()) {
            return MailboxState.DELIVERABLE;
        }
        String s = reply.errorDisplay().toLowerCase(Locale.ROOT);
        if (containsAny(s, DISABLED)) {
            return MailboxState.DISABLED;
        }
        if (containsAny(s, FULL_INBOX)) {
            return MailboxState.FULL_INBOX;
        }
        if (s.contains(GMAIL_RATE_LIMITED)) {
            return MailboxState.DELIVERABLE;
        }
        if (!reply.isTransient() && s.contains(EXCHANGE_NO_SUCH_RECIPIENT)) {
            return MailboxState.INVALID;
        }
        if (describe(reply) != null) {
            return null;
        }
        if (reply.isTransient()) {
            return null; // greylisting and other deferrals: unknown, retry later (see the class comment)
        }
        // Upstream matches "mailbox <email> unknown" case-sensitively; we compare lowercase on both sides.
        if (containsAny(s, INVALID) || s.contains("mailbox " + toEmail.toLowerCase(Locale.ROOT) + " unknown")) {
            return MailboxState.INVALID;
        }
        return null;
    }

    /** {@code IpBlacklisted}, {@code NeedsRDNS} or null, from the reply lines (without the prefix). */
    public static SmtpError.Description describe(SmtpReply reply) {
        if (reply.isPositive()) {
            return null;
        }
        return describe(reply.text());
    }

    static SmtpError.Description describe(String text) {
        String m = text.toLowerCase(Locale.ROOT);
        if (containsAny(m, IP_BLACKLISTED)) {
            return SmtpError.Description.IP_BLACKLISTED;
        }
        if (containsAny(m, NEEDS_RDNS)) {
            return SmtpError.Description.NEEDS_RDNS;
        }
        return null;
    }

    /** The error for a negative reply that was not classified: async-smtp's text plus its description. */
    public static SmtpError toError(SmtpReply reply) {
        return SmtpError.asyncSmtp(reply.errorDisplay(), describe(reply));
    }

    private static boolean containsAny(String s, List<String> needles) {
        for (String n : needles) {
            if (s.contains(n)) {
                return true;
            }
        }
        return false;
    }
}
