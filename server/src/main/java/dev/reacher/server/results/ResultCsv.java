package dev.reacher.server.results;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.verify.CheckEmailOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * Bulk results as CSV, with upstream's columns in upstream's order. Use it for
 * {@code GET /v1/bulk/{id}/results?format=csv} and for the CLI's {@code check --file --format csv}:
 * {@link #writeHeader}, then {@link #writeRow} per result.
 *
 * <p>Unlike upstream's v1 export (which failed on every non-empty job), {@code mx.accepts_mail} is
 * read from {@code mx.accepts_mail}, a section that holds an error instead of details leaves its
 * cells empty and puts the error in the {@code error} column, and a row that holds only a task error
 * gets its address and the error. Quoting is the minimal RFC 4180 kind (only fields with a comma,
 * quote, CR or LF; quotes doubled) with {@code \n} line ends, as upstream's writer.
 */
public final class ResultCsv {
    /** The header, exactly upstream's. */
    public static final List<String> COLUMNS = List.of("input", "is_reachable", "misc.is_disposable",
            "misc.is_role_account", "misc.gravatar_url", "mx.accepts_mail", "smtp.can_connect", "smtp.has_full_inbox",
            "smtp.is_catch_all", "smtp.is_deliverable", "smtp.is_disabled", "syntax.is_valid_syntax", "syntax.domain",
            "syntax.username", "error");

    private ResultCsv() {}

    /** The cells for one result, from its CheckEmailOutput JSON. */
    public static List<String> row(JsonNode result) {
        List<String> cells = new ArrayList<>(COLUMNS.size());
        List<String> errors = new ArrayList<>();
        cells.add(text(result.get("input")));
        cells.add(text(result.get("is_reachable")));
        JsonNode misc = section(result, "misc", errors);
        cells.add(bool(misc, "is_disposable"));
        cells.add(bool(misc, "is_role_account"));
        cells.add(text(misc == null ? null : misc.get("gravatar_url")));
        JsonNode mx = section(result, "mx", errors);
        cells.add(bool(mx, "accepts_mail"));
        JsonNode smtp = section(result, "smtp", errors);
        cells.add(bool(smtp, "can_connect_smtp"));
        cells.add(bool(smtp, "has_full_inbox"));
        cells.add(bool(smtp, "is_catch_all"));
        cells.add(bool(smtp, "is_deliverable"));
        cells.add(bool(smtp, "is_disabled"));
        JsonNode syntax = section(result, "syntax", errors);
        cells.add(bool(syntax, "is_valid_syntax"));
        cells.add(text(syntax == null ? null : syntax.get("domain")));
        cells.add(text(syntax == null ? null : syntax.get("username")));
        cells.add(String.join("; ", errors));
        return cells;
    }

    public static List<String> row(CheckEmailOutput output) {
        return row(ReacherJson.mapper().valueToTree(output));
    }

    /** The cells for a task that ended in an error instead of a result. */
    public static List<String> errorRow(String input, String error) {
        List<String> cells = new ArrayList<>(COLUMNS.size());
        cells.add(input == null ? "" : input);
        for (int i = 1; i < COLUMNS.size() - 1; i++) {
            cells.add("");
        }
        cells.add(error == null ? "" : error);
        return cells;
    }

    /** A section's details, or null when it is missing or an error (whose JSON then goes to {@code errors}). */
    private static JsonNode section(JsonNode result, String name, List<String> errors) {
        JsonNode node = result.get(name);
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode error = node.get("error");
        if (error != null && !error.isNull()) {
            errors.add(name + ": " + (error.isTextual() ? error.asText() : ReacherJson.write(error)));
            return null;
        }
        return node;
    }

    private static String bool(JsonNode section, String key) {
        if (section == null) {
            return "";
        }
        JsonNode v = section.get(key);
        return v != null && v.isBoolean() ? String.valueOf(v.booleanValue()) : "";
    }

    private static String text(JsonNode v) {
        return v == null || v.isNull() ? "" : v.isTextual() ? v.asText() : v.toString();
    }

    public static void writeHeader(Writer out) {
        writeRow(out, COLUMNS);
    }

    public static void writeRow(Writer out, List<String> cells) {
        try {
            for (int i = 0; i < cells.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                out.write(escape(cells.get(i)));
            }
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One field, quoted only when it must be. */
    public static String escape(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0 && field.indexOf('\r') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }
}
