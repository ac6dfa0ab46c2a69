package dev.reacher.server.throttle;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Formats a {@link Duration} as Rust's {@code Debug} does ({@code 1.5s}, {@code 41.208113s},
 * {@code 734.2ms}, {@code 12µs}, {@code 0ns}), because upstream's 429 messages embed it and clients
 * may parse them.
 */
public final class RustDuration {
    private RustDuration() {}

    public static String debug(Duration d) {
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        long secs = d.getSeconds();
        int nanos = d.getNano();
        if (secs > 0) {
            return format(BigDecimal.valueOf(secs).add(BigDecimal.valueOf(nanos, 9)), "s");
        }
        if (nanos >= 1_000_000) {
            return format(BigDecimal.valueOf(nanos, 6), "ms");
        }
        if (nanos >= 1_000) {
            return format(BigDecimal.valueOf(nanos, 3), "µs");
        }
        return nanos + "ns";
    }

    private static String format(BigDecimal value, String unit) {
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.scale() < 0) {
            stripped = stripped.setScale(0);
        }
        return stripped.toPlainString() + unit;
    }
}
