package dev.reacher.cli.doctor;

import java.util.Objects;

/**
 * What checking one proxy found. Never holds a password: {@code error} is written by
 * {@link ProxyDoctor} from the step that failed, not copied from an exception that might quote one.
 *
 * @param id the proxy's configuration id
 * @param address the proxy's {@code host:port}
 * @param stage the step that failed, or {@link Stage#OK}
 * @param error what is wrong, in plain words; null when {@code stage} is OK
 * @param latencyMs time from the start of the check until it ended (success or failure)
 * @param greeting the target's SMTP greeting line as seen through the tunnel, or null before it
 * @param exitIp the address the target saw us come from, when its greeting or EHLO reply shows it
 *     (e.g. Gmail's {@code 250-mx.google.com at your service, [203.0.113.7]}); else null
 */
public record CheckResult(String id, String address, Stage stage, String error, long latencyMs, String greeting,
        String exitIp) {

    public CheckResult {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(stage, "stage");
    }

    public boolean ok() {
        return stage == Stage.OK;
    }
}
