package dev.reacher.server.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.reacher.server.webhook.TaskWebhook;
import dev.reacher.server.webhook.Webhook;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /v1/bulk} (upstream's shape):
 * <pre>{@code
 * {"input": ["a@x.com", …],
 *  "webhook": {"on_each_email": {"url": …, "headers": {…}, "extra": …},
 *              "on_job_finished": {"url": …, "headers": {…}, "extra": …}}}
 * }</pre>
 * {@code on_job_finished} is reacher-java's. The address list is read as a stream of strings, so a
 * 50 MiB body never becomes a JSON tree; errors are 400s naming the field, unknown fields are
 * ignored, as upstream.
 */
record BulkRequest(List<String> input, TaskWebhook webhook) {

    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    static BulkRequest parse(InputStream body) {
        try (JsonParser p = STRICT.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw bad("EOF while parsing a value: the body is empty, expected a JSON object");
            }
            if (first != JsonToken.START_OBJECT) {
                throw bad("invalid type: " + describe(first, p) + ", expected a JSON object with an `input` field");
            }
            List<String> input = null;
            TaskWebhook webhook = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "input" -> input = addresses(p, value);
                    case "webhook" -> webhook = webhook(p.readValueAsTree());
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw bad("trailing characters after the JSON object" + at(p));
            }
            if (input == null) {
                throw bad("missing field `input`");
            }
            return new BulkRequest(input, webhook);
        } catch (JacksonException e) {
            var loc = e.getLocation();
            String where = loc == null || loc.getLineNr() < 1 ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr();
            String message = e.getOriginalMessage() == null ? "invalid JSON" : e.getOriginalMessage().lines().findFirst().orElse("");
            throw bad(message.strip() + where);
        } catch (IOException e) {
            throw bad("the body could not be read: " + e.getMessage());
        }
    }

    private static List<String> addresses(JsonParser p, JsonToken start) throws IOException {
        if (start != JsonToken.START_ARRAY) {
            throw bad("field `input`: invalid type: " + describe(start, p) + ", expected a list of strings" + at(p));
        }
        List<String> emails = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING) {
                throw bad("field `input[" + emails.size() + "]`: invalid type: " + describe(t, p) + ", expected a string"
                        + at(p));
            }
            emails.add(p.getText());
        }
        return emails;
    }

    private static TaskWebhook webhook(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw bad("field `webhook`: expected an object {on_each_email?, on_job_finished?} or null");
        }
        return new TaskWebhook(target(n.get("on_each_email"), "webhook.on_each_email"),
                target(n.get("on_job_finished"), "webhook.on_job_finished"));
    }

    private static Webhook target(JsonNode n, String name) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw bad("field `" + name + "`: expected an object {url, headers, extra?} or null");
        }
        JsonNode url = n.get("url");
        if (url == null) {
            throw bad("missing field `" + name + ".url`");
        }
        if (!url.isTextual() || !(url.textValue().startsWith("http://") || url.textValue().startsWith("https://"))) {
            throw bad("field `" + name + ".url`: expected an http:// or https:// URL");
        }
        JsonNode headers = n.get("headers");
        if (headers == null) {
            throw bad("missing field `" + name + ".headers`"); // required upstream (may be {})
        }
        if (!headers.isObject()) {
            throw bad("field `" + name + ".headers`: expected a map of strings");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (var it = headers.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) {
                throw bad("field `" + name + ".headers." + e.getKey() + "`: expected a string");
            }
            map.put(e.getKey(), e.getValue().textValue());
        }
        JsonNode extra = n.get("extra");
        return new Webhook(url.textValue(), map, extra == null || extra.isNull() ? null : extra);
    }

    private static String describe(JsonToken t, JsonParser p) throws IOException {
        return switch (t) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number `" + p.getText() + "`";
            case VALUE_TRUE, VALUE_FALSE -> "boolean `" + p.getText() + "`";
            case VALUE_NULL -> "null";
            case VALUE_STRING -> "string";
            case START_ARRAY -> "sequence";
            case START_OBJECT -> "map";
            default -> t.name();
        };
    }

    private static String at(JsonParser p) {
        var loc = p.currentLocation();
        return loc == null || loc.getLineNr() < 1 ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr();
    }

    private static HttpError bad(String message) {
        return HttpError.json(400, CheckEmailRequest.PREFIX + message);
    }

    @Override
    public String toString() {
        return "BulkRequest[" + input.size() + " addresses, webhook=" + webhook + "]";
    }
}
