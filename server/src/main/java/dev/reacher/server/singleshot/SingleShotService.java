package dev.reacher.server.singleshot;

import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.proxy.LimitPolicy;
import dev.reacher.core.verify.CheckEmailInput;
import dev.reacher.core.verify.CheckEmailOutput;
import dev.reacher.core.verify.EmailVerifier;
import dev.reacher.server.queue.TaskQueue;
import dev.reacher.server.storage.NewResult;
import dev.reacher.server.storage.ResultStore;
import dev.reacher.server.storage.ResultWriter;
import dev.reacher.server.task.JobRef;
import dev.reacher.server.task.ProxyCredentials;
import dev.reacher.server.task.RpcReply;
import dev.reacher.server.task.TaskCodec;
import dev.reacher.server.task.TaskMessage;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/check_email} after validation and throttling: in worker mode the task goes
 * through the queue to a worker and this waits for the reply (at most the configured RPC timeout;
 * upstream waits forever); otherwise the verification runs here and its result is stored with
 * {@code job_id} NULL. The answer is an {@link RpcReply}: {@code Ok(json)} is the 200 body,
 * {@code Err(message, status)} becomes {@code {"error": message}} with that status.
 *
 * <p>A request that brings its own proxy with a password the workers do not know is verified here
 * even in worker mode: passwords never enter the queue.
 */
public final class SingleShotService {
    private static final Logger LOG = LoggerFactory.getLogger(SingleShotService.class);

    private final ResultWriter writer; // null: nothing is stored (no storage configured)
    private final TaskQueue queue; // null: direct mode
    private final EmailVerifier verifier;
    private final ProxyCredentials credentials;
    private final Duration rpcTimeout;

    public SingleShotService(ResultStore store, TaskQueue queue, EmailVerifier verifier, ProxyCredentials credentials,
            Duration rpcTimeout) {
        // Group commits: under load one transaction stores the results of many concurrent requests.
        this.writer = store == null ? null : new ResultWriter(store, jobs -> { }, 256);
        this.queue = queue;
        this.verifier = verifier;
        this.credentials = credentials;
        this.rpcTimeout = rpcTimeout;
    }

    /**
     * @param policy for direct verification: {@link LimitPolicy#FAIL} lets
     *     {@link dev.reacher.core.proxy.ProxyLimitExceededException} through (429)
     */
    public RpcReply check(CheckEmailInput input, LimitPolicy policy) {
        return goesToWorker(input) ? onWorker(input) : here(input, policy);
    }

    /** Commits what is pending and stops storing; called when the bulk stack closes. */
    public void close() {
        if (writer != null) {
            writer.close();
        }
    }

    /**
     * True when {@code input} is sent to a worker (whose {@code [throttle]} then applies) rather
     * than verified here: worker mode, and every proxy password in it is one the workers know.
     */
    public boolean goesToWorker(CheckEmailInput input) {
        return queue != null && credentials.canRestore(input);
    }

    /** Verifies {@code input} in this process and stores the result (when storage is on). */
    public RpcReply here(CheckEmailInput input, LimitPolicy policy) {
        CheckEmailOutput output = verifier.verify(input, policy);
        String json = ReacherJson.write(output);
        if (writer != null) {
            TaskMessage task = new TaskMessage(input, JobRef.singleShot(), null, null);
            try {
                writer.submit(NewResult.success(null, null, TaskCodec.payload(task), json, output.isReachable())).get();
            } catch (ExecutionException e) {
                return new RpcReply.Err(e.getCause().getMessage(), 500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new RpcReply.Err("interrupted while storing the result", 500);
            }
        }
        return new RpcReply.Ok(json, output.isReachable());
    }

    /**
     * Sends {@code input} to a worker and waits for its reply.
     *
     * @throws IllegalArgumentException unless {@link #goesToWorker} holds for it
     */
    public RpcReply onWorker(CheckEmailInput input) {
        if (!goesToWorker(input)) {
            throw new IllegalArgumentException("this verification must run here: no worker mode, or a proxy password"
                    + " the workers do not know");
        }
        byte[] body = TaskCodec.encode(new TaskMessage(input, JobRef.singleShot(), null, null));
        try {
            return RpcReply.decode(queue.call(body, TaskQueue.PRIORITY_SINGLE_SHOT, rpcTimeout).get());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                return new RpcReply.Err("Failed to get a reply from the worker within " + rpcTimeout.toSeconds() + " s.", 504);
            }
            LOG.warn("single-shot RPC failed: {}", e.getCause().getMessage());
            return new RpcReply.Err("Failed to get a reply from the worker.", 500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RpcReply.Err("Failed to get a reply from the worker.", 500);
        }
    }
}
