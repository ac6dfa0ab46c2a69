package dev.reacher.server.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reacher.core.json.ReacherJson;
import dev.reacher.core.verify.Reachable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The single-shot RPC reply, in upstream's serde encoding so that Rust and Java nodes can answer
 * each other: {@code {"Ok":[123,34,…]}} (the CheckEmailOutput JSON as an array of byte values) or
 * {@code {"Err":["<message>",<status>]}}.
 */
public sealed interface RpcReply {
    /** @param verdict the output's {@code is_reachable} when known here (null when decoded from a reply) */
    record Ok(String json, Reachable verdict) implements RpcReply {
        public Ok(String json) {
            this(json, null);
        }
    }

    record Err(String message, int status) implements RpcReply {}

    default byte[] encode() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        switch (this) {
            case Ok ok -> {
                ArrayNode bytes = root.putArray("Ok");
                for (byte b : ok.json().getBytes(StandardCharsets.UTF_8)) {
                    bytes.add(b & 0xff);
                }
            }
            case Err err -> root.putArray("Err").add(err.message()).add(err.status());
        }
        return ReacherJson.write(root).getBytes(StandardCharsets.UTF_8);
    }

    static RpcReply decode(byte[] body) {
        try {
            JsonNode root = ReacherJson.mapper().readTree(body);
            JsonNode ok = root.get("Ok");
            if (ok != null && ok.isArray()) {
                byte[] bytes = new byte[ok.size()];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) ok.get(i).asInt();
                }
                return new Ok(new String(bytes, StandardCharsets.UTF_8));
            }
            JsonNode err = root.get("Err");
            if (err != null && err.isArray() && err.size() == 2) {
                return new Err(err.get(0).asText(), err.get(1).asInt(500));
            }
        } catch (IOException | RuntimeException e) {
            return new Err("Failed to get a reply from the worker.", 500);
        }
        return new Err("Failed to get a reply from the worker.", 500);
    }
}
