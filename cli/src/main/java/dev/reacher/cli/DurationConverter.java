package dev.reacher.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** {@code 500ms}, {@code 2s}, {@code 1m}, or a plain number of seconds; more than zero. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m)?");

    @Override
    public Duration convert(String value) {
        Matcher m = FORM.matcher(value.strip());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("expected a duration such as 500ms, 2s or 1m, got \"" + value + "\"");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> amount;
            case "m" -> amount * 60_000;
            default -> amount * 1_000;
        };
        if (millis < 1) {
            throw new CommandLine.TypeConversionException("expected a duration of at least 1ms, got \"" + value + "\"");
        }
        return Duration.ofMillis(Math.round(millis));
    }
}
