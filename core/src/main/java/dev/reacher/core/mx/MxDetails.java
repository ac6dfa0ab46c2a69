package dev.reacher.core.mx;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Objects;

/**
 * The {@code mx} field of a verification result, in upstream's JSON shapes:
 * {@code {"accepts_mail":bool,"records":[...]}} or {@code {"error":{"type":...,"message":...}}}.
 * Built from a lookup with {@link #of(MxLookup)}; the JSON form is told apart by its keys on input.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.DEDUCTION)
@JsonSubTypes({@JsonSubTypes.Type(MxDetails.Records.class), @JsonSubTypes.Type(MxDetails.Failure.class)})
public sealed interface MxDetails {

    /**
     * The JSON for a lookup outcome. Records keep DNS answer order. A null MX gives
     * {@code accepts_mail:false, records:["."]} (upstream does not special-case it and reports
     * {@code accepts_mail:true}; we follow RFC 7505).
     */
    static MxDetails of(MxLookup lookup) {
        return switch (lookup) {
            case MxLookup.Found found -> new Records(true,
                    found.recordsInAnswerOrder().stream().map(MxRecord::exchange).toList());
            case MxLookup.NoRecords none -> defaults();
            case MxLookup.NullMx nullMx -> new Records(false, List.of("."));
            case MxLookup.Failed failed -> new Failure(new ErrorBody(failed.type(), failed.message()));
        };
    }

    /** {@code {"accepts_mail":false,"records":[]}}: early returns (bad syntax) and "no records". */
    static MxDetails defaults() {
        return Records.NONE;
    }

    /** Success form. */
    @JsonPropertyOrder({"accepts_mail", "records"})
    record Records(@JsonProperty("accepts_mail") boolean acceptsMail, @JsonProperty("records") List<String> records)
            implements MxDetails {
        static final Records NONE = new Records(false, List.of());

        public Records {
            records = List.copyOf(records);
        }
    }

    /** Error form: {@code {"error":{"type":"ResolveError"|"IoError","message":"..."}}}. */
    record Failure(@JsonProperty("error") ErrorBody error) implements MxDetails {
        public Failure {
            Objects.requireNonNull(error, "error");
        }
    }

    /** Upstream's adjacently tagged {@code MxError}. */
    @JsonPropertyOrder({"type", "message"})
    record ErrorBody(@JsonProperty("type") String type, @JsonProperty("message") String message) {}
}
