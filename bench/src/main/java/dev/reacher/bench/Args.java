package dev.reacher.bench;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The bench tools' tiny {@code --name value} / {@code --flag} parser: every option has a default,
 * an unknown option or {@code --help} prints the usage and exits. Kept here so the tools need no
 * CLI library.
 */
final class Args {
    private final Map<String, String> values;
    private final Set<String> flags;

    private Args(Map<String, String> values, Set<String> flags) {
        this.values = values;
        this.flags = flags;
    }

    static Args parse(String[] args, Map<String, String> defaults, Set<String> knownFlags, String usage) {
        Map<String, String> values = new HashMap<>(defaults);
        Set<String> flags = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (knownFlags.contains(a)) {
                flags.add(a);
            } else if (defaults.containsKey(a) && i + 1 < args.length) {
                values.put(a, args[++i]);
            } else {
                System.err.println("unknown or incomplete option: " + a + "\n" + usage);
                System.exit(2);
            }
        }
        return new Args(values, flags);
    }

    String string(String name) {
        return values.get(name);
    }

    int integer(String name) {
        try {
            return Integer.parseInt(values.get(name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got " + values.get(name), e);
        }
    }

    boolean flag(String name) {
        return flags.contains(name);
    }
}
