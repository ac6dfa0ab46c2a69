package dev.reacher.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the executables of third-party test peers (microsocks, danted).
 *
 * <p>Looks in every {@code PATH} directory, then in {@code /usr/sbin}, {@code /usr/local/sbin},
 * {@code /sbin}, {@code /usr/bin} and {@code /bin}, because Debian installs {@code danted} into
 * {@code /usr/sbin}, which is often missing from a non-login or non-root {@code PATH}.
 */
public final class PeerBinaries {
    private static final List<String> FALLBACK_DIRS =
            List.of("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/bin");

    private PeerBinaries() {}

    /**
     * The path of executable {@code name}.
     *
     * @throws PeerUnavailableException naming the directories searched and how to install the peers
     */
    public static Path locate(String name) {
        List<Path> searched = searchPath();
        for (Path dir : searched) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new PeerUnavailableException("`" + name + "` not found (searched " + searched + ")");
    }

    private static List<Path> searchPath() {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isBlank()) {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(FALLBACK_DIRS);
        List<Path> result = new ArrayList<>();
        dirs.forEach(d -> result.add(Path.of(d)));
        return result;
    }
}
