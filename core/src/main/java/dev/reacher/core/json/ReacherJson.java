package dev.reacher.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import java.io.IOException;
import java.time.Duration;

/**
 * The one Jackson configuration for Reacher's wire format. Durations travel as Rust's
 * {@code {"secs":N,"nanos":N}} (a two-element array {@code [secs, nanos]} is accepted on input),
 * unknown fields are ignored as upstream's serde does.
 */
public final class ReacherJson {
    private static final ObjectMapper MAPPER = builder()
            .addModule(new SimpleModule("reacher-duration")
                    .addSerializer(Duration.class, new DurationSerializer())
                    .addDeserializer(Duration.class, new DurationDeserializer()))
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Record accessors through generated lambdas instead of Method.invoke: the reflective
            // calls were 6 % of a server's CPU per verification (issue 12). Same bytes out.
            .addModule(new BlackbirdModule())
            .build();

    private ReacherJson() {}

    /**
     * A mapper builder whose parsers and generators take their buffers from one pool shared by all
     * threads. Jackson's default pool is per thread, which a virtual thread per request defeats: every
     * request would allocate fresh 4–8 KiB char and byte buffers.
     */
    public static JsonMapper.Builder builder() {
        return JsonMapper.builder(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                .build());
    }

    /** A shared, thread-safe mapper; do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Compact JSON, as upstream's endpoints emit it. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** {@link #write}, as UTF-8 bytes. */
    public static byte[] writeBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** serde_json's pretty format: two-space indent, {@code "key": value}, {@code []} for empty arrays. */
    private static final DefaultPrettyPrinter SERDE_PRETTY = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    /** Two-space indented JSON, byte for byte as upstream's CLI prints it. */
    public static String writePretty(Object value) {
        try {
            return MAPPER.writer(SERDE_PRETTY).writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    static final class DurationSerializer extends JsonSerializer<Duration> {
        @Override
        public void serialize(Duration d, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeStartObject();
            gen.writeNumberField("secs", Math.max(0, d.getSeconds()));
            gen.writeNumberField("nanos", d.isNegative() ? 0 : d.getNano());
            gen.writeEndObject();
        }
    }

    static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode node = p.readValueAsTree();
            JsonNode secs;
            JsonNode nanos;
            if (node.isObject()) {
                secs = node.get("secs");
                nanos = node.get("nanos");
            } else if (node.isArray() && node.size() == 2) {
                secs = node.get(0);
                nanos = node.get(1);
            } else {
                throw ctxt.weirdStringException(node.toString(), Duration.class,
                        "expected a duration {\"secs\": u64, \"nanos\": u32}");
            }
            if (secs == null || !secs.canConvertToLong() || secs.asLong() < 0) {
                throw ctxt.weirdStringException(String.valueOf(secs), Duration.class, "missing or invalid field `secs`");
            }
            if (nanos == null || !nanos.canConvertToInt() || nanos.asInt() < 0 || nanos.asInt() > 999_999_999) {
                throw ctxt.weirdStringException(String.valueOf(nanos), Duration.class, "missing or invalid field `nanos`");
            }
            return Duration.ofSeconds(secs.asLong(), nanos.asInt());
        }

        @Override
        public Duration getNullValue(DeserializationContext ctxt) {
            return null;
        }

    }
}
