package dev.reacher.core.mx;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The outcome of {@link MxResolver#lookupMx}: records, no records, a null MX, or a failure to get an
 * answer at all. Only {@link Failed} means "we don't know"; the others are answers from DNS.
 */
public sealed interface MxLookup {

    /**
     * The domain has MX records.
     *
     * @param recordsInAnswerOrder never empty, in the order the DNS answer listed them (upstream's
     *     {@code records} JSON keeps this order)
     */
    record Found(List<MxRecord> recordsInAnswerOrder) implements MxLookup {
        public Found {
            recordsInAnswerOrder = List.copyOf(recordsInAnswerOrder);
            if (recordsInAnswerOrder.isEmpty()) {
                throw new IllegalArgumentException("Found needs at least one record; use NoRecords");
            }
        }

        /**
         * Sorted by preference, lowest first; records with equal preference keep their answer order, so
         * the first element is the host upstream contacts.
         */
        public List<MxRecord> byPreference() {
            List<MxRecord> sorted = new ArrayList<>(recordsInAnswerOrder);
            sorted.sort(Comparator.comparingInt(MxRecord::preference)); // List.sort is stable
            return List.copyOf(sorted);
        }
    }

    /** NXDOMAIN, or the name exists without MX records (NODATA): the address cannot receive mail. */
    record NoRecords() implements MxLookup {}

    /** The domain publishes only the RFC 7505 null MX ({@code 0 .}): it declares that it accepts no mail. */
    record NullMx() implements MxLookup {}

    /**
     * No usable answer: upstream's {@code MxError}.
     *
     * @param type {@value #RESOLVE_ERROR} (timeout, SERVFAIL, REFUSED, malformed reply, bad name) or
     *     {@value #IO_ERROR} (system configuration unreadable, socket error)
     * @param message human-readable cause, e.g. {@code request timed out}
     */
    record Failed(String type, String message) implements MxLookup {
        public static final String RESOLVE_ERROR = "ResolveError";
        public static final String IO_ERROR = "IoError";

        public Failed {
            if (!Set.of(RESOLVE_ERROR, IO_ERROR).contains(type)) {
                throw new IllegalArgumentException("MX error type must be ResolveError or IoError, got " + type);
            }
            Objects.requireNonNull(message, "message");
        }

        public static Failed resolveError(String message) {
            return new Failed(RESOLVE_ERROR, message);
        }

        public static Failed ioError(String message) {
            return new Failed(IO_ERROR, message);
        }
    }
}
