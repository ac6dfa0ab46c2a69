package dev.reacher.server.http;

import static dev.reacher.server.http.Responses.json;

import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.bulk.BulkStack;
import dev.reacher.server.job.BulkException;
import dev.reacher.server.job.BulkService;
import dev.reacher.server.job.JobProgress;
import dev.reacher.server.results.JobResults;
import dev.reacher.server.results.ResultFormat;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk routes: {@code POST /v1/bulk}, {@code GET /v1/bulk}, {@code GET|DELETE /v1/bulk/{job_id}}
 * and {@code GET /v1/bulk/{job_id}/results}. All need the secret (upstream leaves progress and
 * results public, but they hold the addresses), storage (503 without) and worker mode or the
 * embedded queue (503 without).
 */
final class BulkRoutes {
    static final String WORKER_REQUIRED = "Please enable worker mode on Reacher before calling this endpoint";
    static final String STORAGE_REQUIRED = "Please configure a Postgres database on Reacher before calling this endpoint";

    private static final Logger LOG = LoggerFactory.getLogger(ReacherApi.class);

    private final BulkStack bulk; // null: nothing stored
    private final HeaderSecret secret;

    BulkRoutes(BulkStack bulk, HeaderSecret secret) {
        this.bulk = bulk;
        this.secret = secret;
    }

    void create(Context ctx) {
        secret.require(ctx);
        BulkService service = service();
        RequestBodies.requireShape(ctx, ReacherApi.BULK_BODY_LIMIT);
        BulkRequest request;
        try (InputStream in = RequestBodies.limited(ctx.req().getInputStream(), ReacherApi.BULK_BODY_LIMIT)) {
            request = BulkRequest.parse(in);
        } catch (IOException e) {
            throw RequestBodies.unreadable(e);
        }
        long id = service.createJob(request.input(), request.webhook());
        json(ctx, 200, Map.of("job_id", id));
    }

    void progress(Context ctx) {
        long id = jobId(ctx);
        secret.require(ctx);
        JobProgress progress = service().progress(id);
        ctx.status(200).contentType("application/json").result(progress.toJson());
    }

    /** {@code GET /v1/bulk?limit=&offset=}: recent jobs first, {@code {"jobs":[progress…]}} (reacher-java's). */
    void list(Context ctx) {
        secret.require(ctx); // the list leads to every job's addresses
        BulkService service = service();
        Long limit = queryNumber(ctx, "limit");
        Long offset = queryNumber(ctx, "offset");
        List<JobProgress> jobs;
        try {
            jobs = service.jobs(limit == null ? 20 : (int) Math.min(limit, Integer.MAX_VALUE), offset == null ? 0 : offset);
        } catch (IllegalArgumentException e) {
            throw HttpError.json(400, e.getMessage());
        }
        ctx.status(200).contentType("application/json").result(ReacherJson.write(Map.of("jobs", jobs)));
    }

    /** {@code DELETE /v1/bulk/{job_id}}: cancels the job and answers its progress ({@code Cancelled}). */
    void cancel(Context ctx) {
        long id = jobId(ctx);
        secret.require(ctx);
        JobProgress progress = service().cancel(id);
        ctx.status(200).contentType("application/json").result(progress.toJson());
    }

    void results(Context ctx) throws IOException {
        long id = jobId(ctx);
        secret.require(ctx);
        BulkService service = service();
        ResultFormat format;
        try {
            format = ResultFormat.parse(ctx.queryParam("format"));
        } catch (IllegalArgumentException e) {
            throw HttpError.json(400, "Invalid query string: format must be json or csv");
        }
        Long limit = queryNumber(ctx, "limit");
        Long offset = queryNumber(ctx, "offset");
        JobResults page = service.results(id, format, limit, offset == null ? 0 : offset);
        ctx.status(200).contentType(page.contentType());
        // Streamed from the database: a million-row CSV never sits in memory.
        page.writeTo(ctx.outputStream());
    }

    /**
     * A missing job is 404 here (upstream: 400 on progress, 500 on results, with sqlx's text, kept
     * as the message); the other kinds keep upstream's statuses.
     */
    static HttpError error(BulkException e) {
        int status = e.kind() == BulkException.Kind.NOT_FOUND ? 404 : e.kind().status();
        if (e.kind() == BulkException.Kind.FAILED) {
            LOG.error("bulk request failed: {}", e.getMessage(), e);
        }
        return HttpError.json(status, e.getMessage());
    }

    private BulkService service() {
        if (bulk == null) {
            throw HttpError.json(503, STORAGE_REQUIRED);
        }
        if (!bulk.bulk().available()) {
            throw HttpError.json(503, WORKER_REQUIRED);
        }
        return bulk.bulk();
    }

    /** Upstream's route only matches an i32; anything else is "no route". */
    private static long jobId(Context ctx) {
        try {
            return Integer.parseInt(ctx.pathParam("job_id"));
        } catch (NumberFormatException e) {
            ctx.attribute(Responses.HANDLED, true);
            throw HttpError.json(404, "no route for " + ctx.method() + " " + ctx.path() + ": job_id must be an integer");
        }
    }

    private static Long queryNumber(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null) {
            return null;
        }
        try {
            long n = Long.parseLong(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw HttpError.json(400, "Invalid query string: " + name + " must be a whole number ≥ 0");
    }
}
