package dev.reacher.server.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.socks5.ProxyConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The body of {@code POST /v0/check_email} and {@code /v1/check_email} (upstream's
 * {@code CheckEmailRequest}), parsed strictly: wrong types, unknown enum values,
 * duplicate keys and trailing bytes are 400s that name the field; unknown fields are ignored and
 * {@code null} is accepted for every optional field, as upstream.
 *
 * @param smtpTimeout {@code {"secs","nanos"}} or {@code [secs, nanos]}, greater than zero
 * @param yahooVerifMethod backward-compatible {@code Api|Headless|Smtp}, or null
 * @param hotmailb2cVerifMethod backward-compatible {@code Headless|Smtp}, or null
 */
public record CheckEmailRequest(String toEmail, String fromEmail, String helloName, ProxyConfig proxy,
        Duration smtpTimeout, Integer smtpPort, LegacyMethod yahooVerifMethod, LegacyMethod hotmailb2cVerifMethod) {

    /** The PascalCase method names of the backward-compatible request fields. */
    public enum LegacyMethod {
        API("Api"),
        HEADLESS("Headless"),
        SMTP("Smtp");

        private final String json;

        LegacyMethod(String json) {
            this.json = json;
        }

        public String json() {
            return json;
        }
    }

    static final String PREFIX = "Request body deserialize error: ";

    private static final JsonMapper STRICT = ReacherJson.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * Parses a request body.
     *
     * @throws HttpError 400 with {@code {"error":"Request body deserialize error: …"}}
     */
    static CheckEmailRequest parse(byte[] body) {
        JsonNode root;
        try {
            root = STRICT.readTree(body);
        } catch (JacksonException e) {
            var loc = e.getLocation();
            String where = loc == null || loc.getLineNr() < 1 ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr();
            throw bad(firstLine(e.getOriginalMessage()) + where);
        } catch (IOException e) {
            throw bad("unreadable body");
        }
        if (root == null || root.isMissingNode()) {
            throw bad("EOF while parsing a value: the body is empty, expected a JSON object");
        }
        if (!root.isObject()) {
            throw bad("invalid type: " + typeName(root) + ", expected a JSON object with a `to_email` field");
        }
        JsonNode to = root.get("to_email");
        if (to == null) {
            throw bad("missing field `to_email`");
        }
        if (!to.isTextual()) {
            throw badField("to_email", to, "a string");
        }
        return new CheckEmailRequest(
                to.textValue(),
                optionalString(root, "from_email"),
                optionalString(root, "hello_name"),
                proxy(root.get("proxy")),
                duration(root.get("smtp_timeout")),
                port(root, "smtp_port", "smtp_port"),
                legacy(root, "yahoo_verif_method", List.of(LegacyMethod.API, LegacyMethod.HEADLESS, LegacyMethod.SMTP)),
                legacy(root, "hotmailb2c_verif_method", List.of(LegacyMethod.HEADLESS, LegacyMethod.SMTP)));
    }

    private static String optionalString(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw badField(field, n, "a string or null");
        }
        return n.textValue();
    }

    private static ProxyConfig proxy(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw badField("proxy", n, "an object {host, port, username?, password?, timeout_ms?} or null");
        }
        JsonNode host = n.get("host");
        if (host == null) {
            throw bad("missing field `proxy.host`");
        }
        if (!host.isTextual() || host.textValue().isBlank()) {
            throw badField("proxy.host", host, "a non-empty string");
        }
        if (n.get("port") == null) {
            throw bad("missing field `proxy.port`");
        }
        Integer port = port(n, "port", "proxy.port");
        String username = optionalString(n, "username");
        String password = optionalString(n, "password");
        JsonNode timeout = n.get("timeout_ms");
        Long timeoutMs = null;
        if (timeout != null && !timeout.isNull()) {
            if (!timeout.isIntegralNumber() || !timeout.canConvertToLong() || timeout.asLong() < 0) {
                throw badField("proxy.timeout_ms", timeout, "a whole number of milliseconds ≥ 0 or null");
            }
            timeoutMs = timeout.asLong();
        }
        return new ProxyConfig(host.textValue(), port, username, password, timeoutMs);
    }

    private static Integer port(JsonNode parent, String field, String name) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1 || n.asInt() > 65535) {
            throw badField(name, n, "a port number 1-65535");
        }
        return n.asInt();
    }

    private static Duration duration(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        JsonNode secs;
        JsonNode nanos;
        if (n.isObject()) {
            secs = n.get("secs");
            nanos = n.get("nanos");
            if (secs == null) {
                throw bad("missing field `smtp_timeout.secs`");
            }
            if (nanos == null) {
                throw bad("missing field `smtp_timeout.nanos`");
            }
        } else if (n.isArray() && n.size() == 2) {
            secs = n.get(0);
            nanos = n.get(1);
        } else {
            throw badField("smtp_timeout", n, "a duration {\"secs\": u64, \"nanos\": u32} or [secs, nanos]");
        }
        if (!secs.isIntegralNumber() || !secs.canConvertToLong() || secs.asLong() < 0 || secs.asLong() > 86_400) {
            throw badField("smtp_timeout.secs", secs, "a whole number of seconds 0-86400");
        }
        if (!nanos.isIntegralNumber() || !nanos.canConvertToLong() || nanos.asLong() < 0 || nanos.asLong() > 999_999_999) {
            throw badField("smtp_timeout.nanos", nanos, "a whole number 0-999999999");
        }
        Duration d = Duration.ofSeconds(secs.asLong(), nanos.asLong());
        if (d.isZero()) {
            throw bad("field `smtp_timeout`: a zero timeout would fail every verification, expected a positive duration");
        }
        return d;
    }

    private static LegacyMethod legacy(JsonNode parent, String field, List<LegacyMethod> allowed) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        String expected = String.join(", ", allowed.stream().map(m -> "`" + m.json() + "`").toList());
        if (!n.isTextual()) {
            throw badField(field, n, "one of " + expected + " or null");
        }
        for (LegacyMethod m : allowed) {
            if (m.json().equals(n.textValue())) {
                return m;
            }
        }
        throw bad("field `" + field + "`: unknown variant `" + truncate(n.textValue()) + "`, expected one of " + expected);
    }

    private static HttpError badField(String field, JsonNode value, String expected) {
        return bad("field `" + field + "`: invalid type: " + typeName(value) + ", expected " + expected);
    }

    private static HttpError bad(String message) {
        return HttpError.json(400, PREFIX + message);
    }

    private static String typeName(JsonNode n) {
        if (n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            return "string \"" + truncate(n.textValue()) + "\"";
        }
        if (n.isIntegralNumber()) {
            return "integer `" + truncate(n.asText()) + "`";
        }
        if (n.isNumber()) {
            return "floating point `" + truncate(n.asText()) + "`";
        }
        if (n.isBoolean()) {
            return "boolean `" + n.asText() + "`";
        }
        if (n.isArray()) {
            return "sequence";
        }
        return "map";
    }

    private static String truncate(String s) {
        return s.length() > 64 ? s.substring(0, 61) + "..." : s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid JSON";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    @Override
    public String toString() {
        // The proxy's toString hides its password; the address is personal data, so it stays out too.
        return "CheckEmailRequest[proxy=" + proxy + ", smtp_port=" + smtpPort + ", smtp_timeout=" + smtpTimeout + "]";
    }
}
