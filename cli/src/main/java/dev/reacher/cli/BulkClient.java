package dev.reacher.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.server.results.ResultFormat;
import dev.reacher.server.webhook.TaskWebhook;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * The server's bulk API over HTTP: {@code POST /v1/bulk}, {@code GET /v1/bulk/{id}} and
 * {@code GET /v1/bulk/{id}/results}. Every failure (no answer, or an answer that is not 2xx) is a
 * {@link Failure} whose message is ready for a person; the secret is sent as
 * {@code x-reacher-secret} and appears in no message.
 */
final class BulkClient {
    private static final int MAX_ERROR_BODY = 4096;

    /** A request that got no answer or a non-2xx one. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    private final String base;
    private final String secret;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** @param base the server's URL, e.g. {@code http://127.0.0.1:8080} (a path prefix is kept) */
    BulkClient(URI base, String secret) {
        String s = base.toString();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.secret = secret == null || secret.isEmpty() ? null : secret;
    }

    String base() {
        return base;
    }

    /**
     * The body of {@code POST /v1/bulk}, {@code {"input":[…],"webhook":…}}, and how many addresses it
     * holds. It is written while the file is read: a million addresses are one byte array, not a list,
     * a tree and a string as well.
     */
    record JobRequest(byte[] json, int addresses) {
        static JobRequest of(AddressFile emails, TaskWebhook webhook) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
            int count = 0;
            try (JsonGenerator json = ReacherJson.mapper().createGenerator(body)) {
                json.writeStartObject();
                json.writeArrayFieldStart("input");
                for (String email; (email = emails.next()) != null; count++) {
                    json.writeString(email);
                }
                json.writeEndArray();
                if (webhook != null) {
                    json.writeFieldName("webhook");
                    json.writeObject(webhook);
                }
                json.writeEndObject();
            }
            return new JobRequest(body.toByteArray(), count);
        }
    }

    /** Creates a job; returns its id. */
    long submit(JobRequest job) throws Failure {
        // A byte array, not a stream: the server wants a Content-Length (upstream answers 411 without one).
        HttpRequest request = request("/v1/bulk").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(job.json())).build();
        JsonNode answer = json(send(request));
        JsonNode id = answer.get("job_id");
        if (id == null || !id.canConvertToLong()) {
            throw new Failure("the server at " + base + " answered without a job_id: " + abbreviate(answer.toString()));
        }
        return id.asLong();
    }

    /** {@code DELETE /v1/bulk/{id}}: the job's progress after the cancel, as the server wrote it. */
    String cancel(long jobId) throws Failure {
        return send(request("/v1/bulk/" + jobId).timeout(Duration.ofSeconds(60)).DELETE().build());
    }

    /** {@code GET /v1/bulk?limit=&offset=}: {@code {"jobs":[…]}}, newest first. */
    String jobs(int limit, long offset) throws Failure {
        return send(request("/v1/bulk?limit=" + limit + "&offset=" + offset).timeout(Duration.ofSeconds(60)).GET().build());
    }

    /** The progress JSON of {@code GET /v1/bulk/{id}}, as the server wrote it. */
    String progress(long jobId) throws Failure {
        return send(request("/v1/bulk/" + jobId).timeout(Duration.ofSeconds(60)).GET().build());
    }

    /**
     * Streams one page of results to the stream {@code open} returns; it is opened only once the
     * server has answered 2xx, so a refused request leaves no empty file behind. {@code limit} and
     * {@code offset} are left to the server's defaults when null.
     */
    void results(long jobId, ResultFormat format, Long limit, Long offset, OutputTarget open) throws Failure, IOException {
        StringBuilder path = new StringBuilder("/v1/bulk/").append(jobId).append("/results?format=")
                .append(format.name().toLowerCase(Locale.ROOT));
        if (limit != null) {
            path.append("&limit=").append(limit);
        }
        if (offset != null) {
            path.append("&offset=").append(offset);
        }
        HttpResponse<InputStream> response = exchange(request(path.toString()).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() / 100 != 2) {
                throw refused(response.statusCode(), new String(body.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8));
            }
            try (OutputStream out = open.open()) {
                body.transferTo(out);
            }
        }
    }

    /** Where results go: opened after the server said yes. */
    @FunctionalInterface
    interface OutputTarget {
        OutputStream open() throws IOException;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (secret != null) {
            b.header("x-reacher-secret", secret);
        }
        return b;
    }

    /** The body of a 2xx answer. */
    private String send(HttpRequest request) throws Failure {
        HttpResponse<String> response = exchange(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw refused(response.statusCode(), response.body());
        }
        return response.body();
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws Failure {
        try {
            return http.send(request, handler);
        } catch (HttpConnectTimeoutException e) {
            throw new Failure("cannot reach the server at " + base + ": connection timed out");
        } catch (HttpTimeoutException e) {
            throw new Failure("the server at " + base + " did not answer in time");
        } catch (ConnectException e) {
            // The JDK's HttpClient says nothing more than the exception's name for a refused connection.
            String reason = reason(e);
            throw new Failure("cannot reach the server at " + base + ": "
                    + (reason.equals(e.getClass().getSimpleName()) ? "connection refused" : reason));
        } catch (IOException e) {
            throw new Failure("request to " + base + " failed: " + reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
    }

    /** A non-2xx answer: upstream's {@code {"error": "…"}} when it is one, else the body as text. */
    private Failure refused(int status, String body) {
        String message = body == null ? "" : body.strip();
        try {
            JsonNode error = ReacherJson.mapper().readTree(message).get("error");
            if (error != null && error.isTextual()) {
                message = error.asText();
            }
        } catch (IOException | RuntimeException notJson) {
            // plain text (auth, 404, 413…): shown as it is
        }
        return new Failure("the server at " + base + " answered " + status
                + (message.isEmpty() ? "" : ": " + abbreviate(message)) + secretHint(message));
    }

    /**
     * The server refuses a missing or wrong {@code x-reacher-secret}: say which variable this client
     * reads. It is {@code RCH_SECRET}, one underscore, not the server's {@code RCH__HEADER_SECRET}.
     */
    private String secretHint(String message) {
        if (!message.contains("x-reacher-secret")) {
            return "";
        }
        return secret == null
                ? " (no secret given: set RCH_SECRET, or --secret, to the server's secret; the client reads RCH_SECRET,"
                        + " not the server's RCH__HEADER_SECRET)"
                : " (the secret given, from RCH_SECRET or --secret, is not the server's RCH__HEADER_SECRET)";
    }

    private JsonNode json(String body) throws Failure {
        try {
            return ReacherJson.mapper().readTree(body);
        } catch (IOException e) {
            throw new Failure("the server at " + base + " answered something that is not JSON: " + abbreviate(body));
        }
    }

    /** The JDK often wraps the useful message ("Connection refused") in a cause with none of its own. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    private static String abbreviate(String s) {
        return s.length() <= 500 ? s : s.substring(0, 500) + "…";
    }
}
