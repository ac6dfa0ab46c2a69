package dev.reacher.server.storage;

import dev.reacher.core.verify.Reachable;
import java.util.Objects;

/**
 * One final outcome to store: a verification result, or a task error (then {@code resultJson} and
 * {@code reachable} are null and {@code error} says what went wrong).
 *
 * @param jobId the bulk job, or null for a single-shot verification
 * @param itemIndex the address's position in the job (with {@code jobId}, the idempotency key), or null
 * @param payloadJson what was asked, without secrets
 * @param resultJson the CheckEmailOutput JSON exactly as {@code ReacherJson} wrote it
 */
public record NewResult(Long jobId, Integer itemIndex, String payloadJson, String resultJson, Reachable reachable,
        String error) {
    public NewResult {
        Objects.requireNonNull(payloadJson, "payloadJson");
        if ((resultJson == null) == (error == null)) {
            throw new IllegalArgumentException("exactly one of resultJson and error");
        }
    }

    public static NewResult success(Long jobId, Integer itemIndex, String payloadJson, String resultJson,
            Reachable reachable) {
        return new NewResult(jobId, itemIndex, payloadJson, resultJson, Objects.requireNonNull(reachable), null);
    }

    public static NewResult failure(Long jobId, Integer itemIndex, String payloadJson, String error) {
        return new NewResult(jobId, itemIndex, payloadJson, null, null, error);
    }
}
