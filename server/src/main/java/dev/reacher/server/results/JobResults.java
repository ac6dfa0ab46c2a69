package dev.reacher.server.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.storage.ResultStore;
import dev.reacher.server.storage.StoredResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * One page of a finished job's results, checked and ready to stream: {@link #contentType()} for
 * the response header, then {@link #writeTo} (rows are read from the database while they are
 * written, so a million-row CSV never sits in memory).
 *
 * <p>JSON is {@code {"results":[…]}} with each stored CheckEmailOutput, compact with keys in
 * alphabetical order as upstream's results endpoint writes them; a row that holds a
 * task error instead (upstream's handler crashed on those) is {@code {"input":…,"error":…}}. CSV is
 * {@link ResultCsv}'s, header first, also when there are no rows.
 */
public final class JobResults {
    private static final ObjectWriter SORTED = ReacherJson.mapper().writer().with(JsonNodeFeature.WRITE_PROPERTIES_SORTED);
    private final ResultStore store;
    private final long jobId;
    private final ResultFormat format;
    private final long limit;
    private final long offset;

    public JobResults(ResultStore store, long jobId, ResultFormat format, long limit, long offset) {
        this.store = store;
        this.jobId = jobId;
        this.format = format;
        this.limit = limit;
        this.offset = offset;
    }

    public ResultFormat format() {
        return format;
    }

    /** {@code application/json} or {@code text/csv}, as upstream. */
    public String contentType() {
        return format == ResultFormat.CSV ? "text/csv" : "application/json";
    }

    /** Streams the page; does not close {@code out}. */
    public void writeTo(OutputStream out) throws IOException {
        Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
        try {
            if (format == ResultFormat.CSV) {
                ResultCsv.writeHeader(w);
                store.forEachResult(jobId, limit, offset, r -> ResultCsv.writeRow(w, csvRow(r)));
            } else {
                w.write("{\"results\":[");
                boolean[] first = {true};
                store.forEachResult(jobId, limit, offset, r -> {
                    try {
                        if (!first[0]) {
                            w.write(',');
                        }
                        first[0] = false;
                        w.write(jsonRow(r));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                w.write("]}");
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        w.flush();
    }

    /** The whole page as a string (tests, small pages). */
    public String asString() {
        var out = new java.io.ByteArrayOutputStream();
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static java.util.List<String> csvRow(StoredResult r) {
        if (r.resultJson() == null) {
            return ResultCsv.errorRow(r.email(), r.error());
        }
        try {
            JsonNode node = ReacherJson.mapper().readTree(r.resultJson());
            return ResultCsv.row(node);
        } catch (IOException e) {
            return ResultCsv.errorRow(r.email(), "stored result is not JSON: " + e.getMessage());
        }
    }

    private static String jsonRow(StoredResult r) {
        if (r.resultJson() != null) {
            try {
                // Upstream re-serialises the stored JSONB through serde_json's Value: compact, keys
                // in alphabetical order. Doing the same gives one output for PostgreSQL and SQLite.
                return SORTED.writeValueAsString(ReacherJson.mapper().readTree(r.resultJson()));
            } catch (IOException e) {
                var node = ReacherJson.mapper().createObjectNode();
                node.put("input", r.email());
                node.put("error", "stored result is not JSON: " + e.getMessage());
                return ReacherJson.write(node);
            }
        }
        var node = ReacherJson.mapper().createObjectNode();
        node.put("input", r.email());
        node.put("error", r.error());
        return ReacherJson.write(node);
    }
}
