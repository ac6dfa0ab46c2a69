package dev.reacher.core.mx;

import java.util.Objects;

/**
 * One MX record.
 *
 * @param preference lower is preferred (0-65535)
 * @param exchange the mail host as an absolute name with its trailing dot, e.g. {@code mx1.example.test.};
 *     {@code .} is the RFC 7505 null MX
 */
public record MxRecord(int preference, String exchange) {

    public MxRecord {
        if (preference < 0 || preference > 65535) {
            throw new IllegalArgumentException("MX preference must be 0-65535, got " + preference);
        }
        Objects.requireNonNull(exchange, "exchange");
    }

    /** True for the RFC 7505 "this domain accepts no mail" record, whose exchange is the root. */
    public boolean isNullMx() {
        return exchange.equals(".");
    }
}
