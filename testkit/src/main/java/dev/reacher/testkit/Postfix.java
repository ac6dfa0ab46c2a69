package dev.reacher.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A private instance of the real Postfix MTA whose SMTP server listens on {@code 127.0.0.1} and a
 * free port, as a test peer for the SMTP client. {@code RCPT TO} a listed recipient gets
 * {@code 250 2.1.5 Ok}; any other address in a listed domain gets
 * {@code 550 5.1.1 <…>: Recipient address rejected: User unknown in local recipient table}.
 *
 * <pre>{@code
 * try (Postfix mx = Postfix.builder().recipients("alice@example.test").start()) {
 *     talk SMTP to mx.host():mx.port(); read mx.log() for what Postfix saw
 * }
 * }</pre>
 *
 * <p>Everything lives in one temporary directory: {@code main.cf} and {@code master.cf}, the
 * queue (with the pid file and the daemons' {@code unix} sockets) and the log. The system's
 * {@code /etc/postfix} and any system instance are never used, so several instances run at once.
 * The instance is started with {@code postfix -c DIR start}, which needs root (the master runs
 * as root, the daemons as {@code postfix}); Postfix 3.x needs no {@code alternate_config_directories}
 * entry for a root caller. When Postfix is missing or the tests do not run as root, starting
 * throws {@link PeerUnavailableException}.
 */
public final class Postfix implements AutoCloseable {
    /** The name the instance gives itself in its greeting and EHLO reply. */
    public static final String HOSTNAME = "mx.postfix.test";

    private static final int START_ATTEMPTS = 5;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    /** Running instances: they are daemons, so a test JVM that forgets close() must not leave them behind. */
    private static final Set<Postfix> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Postfix::stop), "testkit-postfix-reaper"));
    }

    private final Path dir;
    private final Path configDir;
    private final Path logFile;
    private final Builder options;
    private int port;
    private long masterPid = -1;

    private Postfix(Builder options) {
        this.options = options;
        try {
            this.dir = Files.createTempDirectory("reacher-postfix-");
            // The daemons run as `postfix` and must reach the data directory and the recipient table.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            this.configDir = Files.createDirectory(dir.resolve("conf"));
            Files.createDirectory(dir.resolve("queue"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory for postfix", e);
        }
        this.logFile = dir.resolve("postfix.log");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for a {@link Postfix}; {@link #start()} launches it. */
    public static final class Builder {
        private final Set<String> recipients = new LinkedHashSet<>();
        private final Set<String> domains = new LinkedHashSet<>();
        private final Set<String> discardEhloKeywords = new LinkedHashSet<>();
        private boolean forbidUnauthPipelining;
        private boolean answerEhloAsHelo;

        private Builder() {}

        /** Addresses that exist ({@code local_recipient_maps}); their domains become local domains. */
        public Builder recipients(String... addresses) {
            for (String address : addresses) {
                int at = address.lastIndexOf('@');
                if (at < 1 || at == address.length() - 1 || !address.matches("[\\x21-\\x7e]+")) {
                    throw new IllegalArgumentException("recipient must be local@domain without spaces, got " + address);
                }
                recipients.add(address);
                domains.add(address.substring(at + 1).toLowerCase(Locale.ROOT));
            }
            return this;
        }

        /** More local domains ({@code mydestination}): every address in them is rejected unless listed. */
        public Builder domains(String... names) {
            for (String name : names) {
                if (!name.matches("[A-Za-z0-9.-]+")) {
                    throw new IllegalArgumentException("not a domain name: " + name);
                }
                domains.add(name.toLowerCase(Locale.ROOT));
            }
            return this;
        }

        /**
         * {@code smtpd_forbid_unauth_pipelining}: Postfix answers {@code 554 5.5.0 Error: SMTP protocol
         * synchronization} and disconnects when a client sends more commands after one that must end
         * a pipelined group (EHLO, DATA, QUIT…), or pipelines at all in a HELO (non-ESMTP) session.
         * It does not police MAIL/RCPT pipelining after an EHLO reply without PIPELINING; combine
         * with {@link #answerEhloAsHelo(boolean)} for that. Needs Postfix 3.7.9 or later.
         */
        public Builder forbidUnauthPipelining(boolean forbid) {
            this.forbidUnauthPipelining = forbid;
            return this;
        }

        /** {@code smtpd_discard_ehlo_keywords}: EHLO keywords not to advertise, e.g. {@code "pipelining"}. */
        public Builder discardEhloKeywords(String... keywords) {
            for (String keyword : keywords) {
                if (!keyword.matches("[A-Za-z0-9-]+")) {
                    throw new IllegalArgumentException("not an EHLO keyword: " + keyword);
                }
                discardEhloKeywords.add(keyword.toLowerCase(Locale.ROOT));
            }
            return this;
        }

        /**
         * Turns every EHLO into HELO before smtpd sees it ({@code smtpd_command_filter}): the client
         * gets a one-line {@code 250} without extensions, and the session is plain SMTP, in which
         * {@link #forbidUnauthPipelining(boolean)} disconnects a client that pipelines anything.
         */
        public Builder answerEhloAsHelo(boolean helo) {
            this.answerEhloAsHelo = helo;
            return this;
        }

        /** Checks the machine, writes the configuration and starts Postfix; its port accepts on return. */
        public Postfix start() {
            if (domains.isEmpty()) {
                throw new IllegalArgumentException("Postfix needs at least one recipient or domain");
            }
            checkMachine(forbidUnauthPipelining);
            Postfix postfix = new Postfix(this);
            try {
                postfix.firstStart();
            } catch (RuntimeException e) {
                postfix.close();
                throw e;
            }
            return postfix;
        }
    }

    private static void checkMachine(boolean needsForbidUnauthPipelining) {
        PeerBinaries.locate("postfix");
        PeerBinaries.locate("postconf");
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) {
                throw new PeerUnavailableException("`postfix start` must run as root, but the tests run as uid " + uid);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new PeerUnavailableException("cannot check the Postfix prerequisites (" + e + ")");
        }
        if (needsForbidUnauthPipelining) {
            // An unknown parameter prints nothing on stdout, only a warning on stderr.
            Result known = run(List.of(PeerBinaries.locate("postconf").toString(), "-d", "-h",
                    "smtpd_forbid_unauth_pipelining"));
            if (known.stdout().isBlank()) {
                throw new PeerUnavailableException("this Postfix has no smtpd_forbid_unauth_pipelining (needs 3.7.9 or later): "
                        + known.stderr().strip());
            }
        }
    }

    private void firstStart() {
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            port = LoopbackPorts.freePort();
            writeConfig();
            int logMark = log().length();
            // `start` runs `postfix check` first, which creates the queue's subdirectories with the
            // owners and modes Postfix wants; only the queue directory itself must exist (root's).
            Result started = postfix("start");
            if (started.exitCode() == 0) {
                masterPid = readMasterPid();
                LIVE.add(this);
                return;
            }
            stop();
            if (!logSince(logMark).contains("Address already in use")) {
                break;
            }
            // The port was taken between freePort() and the master's bind: try another.
        }
        throw new IllegalStateException("postfix failed to start on " + host() + ":" + port + "; log:\n" + logTail());
    }

    private void writeConfig() {
        Path recipientTable = configDir.resolve("recipients");
        Path commandFilter = configDir.resolve("ehlo-as-helo");
        List<String> main = new ArrayList<>(List.of(
                "# Private test instance written by dev.reacher.testkit.Postfix; never the system's.",
                "compatibility_level = 3.6",
                "queue_directory = " + dir.resolve("queue"),
                "data_directory = " + dir.resolve("data"),
                // Tells this instance's lines apart from any other's, should they ever meet in one log.
                "syslog_name = postfix-" + port,
                "maillog_file = " + logFile,
                // Postfix only writes logs under these prefixes (default /var, /dev/stdout).
                "maillog_file_prefixes = " + dir,
                "myhostname = " + HOSTNAME,
                "mydomain = postfix.test",
                "myorigin = $myhostname",
                "mydestination = " + String.join(", ", options.domains),
                "inet_interfaces = " + LoopbackPorts.HOST,
                "inet_protocols = ipv4",
                // Loopback clients are strangers, as a verifier is to a real MX: only the local
                // domains are accepted, anything else gets "554 5.7.1 Relay access denied".
                "mynetworks =",
                "smtpd_relay_restrictions = reject_unauth_destination",
                "smtpd_client_connection_count_limit = 0",
                // texthash: read as is, no postmap run needed. Keys are full addresses.
                "local_recipient_maps = texthash:" + recipientTable,
                "alias_maps =",
                "alias_database =",
                // Fast and offline: no reverse lookup of the client, no DNS at all, no tarpit.
                "smtpd_peername_lookup = no",
                "smtp_dns_support_level = disabled",
                "in_flow_delay = 0",
                "smtpd_error_sleep_time = 0",
                "smtpd_soft_error_limit = 1000",
                "smtpd_hard_error_limit = 1000",
                "smtpd_junk_command_limit = 1000",
                "biff = no"));
        if (options.forbidUnauthPipelining) {
            main.add("smtpd_forbid_unauth_pipelining = yes");
        }
        if (!options.discardEhloKeywords.isEmpty()) {
            main.add("smtpd_discard_ehlo_keywords = " + String.join(", ", options.discardEhloKeywords));
        }
        if (options.answerEhloAsHelo) {
            main.add("smtpd_command_filter = regexp:" + commandFilter);
        }
        // Only what an SMTP session up to RCPT needs (no chroot: the paths are absolute); smtpd
        // opens a queue file through cleanup at MAIL FROM, so qmgr and the bounce services stay.
        String master = """
                %s:%d inet n - n - - smtpd
                cleanup   unix  n - n - 0 cleanup
                qmgr      unix  n - n 300 1 qmgr
                rewrite   unix  - - n - - trivial-rewrite
                bounce    unix  - - n - 0 bounce
                defer     unix  - - n - 0 bounce
                trace     unix  - - n - 0 bounce
                anvil     unix  - - n - 1 anvil
                error     unix  - - n - - error
                retry     unix  - - n - - error
                discard   unix  - - n - - discard
                proxymap  unix  - - n - - proxymap
                postlog   unix-dgram n - n - 1 postlogd
                """.formatted(LoopbackPorts.HOST, port);
        StringBuilder recipients = new StringBuilder();
        options.recipients.forEach(r -> recipients.append(r).append(" exists\n"));
        try {
            Files.writeString(configDir.resolve("main.cf"), String.join("\n", main) + "\n", StandardCharsets.US_ASCII);
            Files.writeString(configDir.resolve("master.cf"), master, StandardCharsets.US_ASCII);
            Files.writeString(recipientTable, recipients.toString(), StandardCharsets.US_ASCII);
            // regexp tables match case-insensitively: "ehlo x" becomes "HELO x" too.
            Files.writeString(commandFilter, "/^EHLO(.*)$/ HELO$1\n", StandardCharsets.US_ASCII);
            // Postfix re-reads a file modified in the current second, 300 ms at a time, until the
            // second has passed (in case an editor is still writing it): up to 1 s per file and
            // process. Backdated files are read at once.
            FileTime past = FileTime.from(Instant.now().minus(Duration.ofMinutes(1)));
            for (Path file : List.of(configDir.resolve("main.cf"), configDir.resolve("master.cf"), recipientTable, commandFilter)) {
                Files.setLastModifiedTime(file, past);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the postfix configuration in " + configDir, e);
        }
    }

    private long readMasterPid() {
        Path pidFile = dir.resolve("queue/pid/master.pid");
        try {
            return Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("postfix started but " + pidFile + " is unreadable (" + e + "); log:\n" + logTail());
        }
    }

    public String host() {
        return LoopbackPorts.HOST;
    }

    public int port() {
        return port;
    }

    /** The local domains ({@code mydestination}). */
    public Set<String> domains() {
        return Set.copyOf(options.domains);
    }

    /** Everything this instance logged so far ({@code maillog_file}), one line per event. */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + logFile, e);
        }
    }

    /** What was logged after {@code offset}, a {@code log().length()} taken earlier. */
    public String logSince(int offset) {
        String log = log();
        return log.substring(Math.min(offset, log.length()));
    }

    /**
     * Waits until {@link #logSince(int)} satisfies {@code done}, and returns it (also when the
     * timeout passed first). Postfix logs through its postlogd service, so a line about a session
     * may appear a moment after the client saw the session end.
     */
    public String awaitLogSince(int offset, Predicate<String> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String log = logSince(offset);
        while (!done.test(log) && System.nanoTime() < deadline) {
            PeerProcess.sleep(10);
            log = logSince(offset);
        }
        return log;
    }

    private String logTail() {
        return PeerProcess.lastLines(log().lines().toList());
    }

    /** Stops the instance ({@code postfix stop}) and waits until its master process is gone. */
    private void stop() {
        LIVE.remove(this);
        if (Files.exists(dir.resolve("queue/pid/master.pid"))) {
            postfix("stop");
        }
        if (masterPid <= 0) {
            return;
        }
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (isRunning(masterPid) && System.nanoTime() < deadline) {
            PeerProcess.sleep(10);
        }
        if (isRunning(masterPid)) {
            ProcessHandle.of(masterPid).ifPresent(ProcessHandle::destroyForcibly);
        }
        masterPid = -1;
    }

    /**
     * True while the process exists and is not a zombie: the master is not our child (it detaches),
     * so after it exits it may linger as a zombie until init reaps it.
     */
    private static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | IndexOutOfBoundsException e) {
            return false;
        }
    }

    /** Stops Postfix and deletes its directory (configuration, queue, log). */
    @Override
    public void close() {
        stop();
        PeerProcess.deleteTree(dir);
    }

    @Override
    public String toString() {
        return "Postfix[" + host() + ":" + port + ", domains=" + options.domains
                + (options.forbidUnauthPipelining ? ", forbid_unauth_pipelining" : "")
                + (options.discardEhloKeywords.isEmpty() ? "" : ", discard=" + options.discardEhloKeywords)
                + (options.answerEhloAsHelo ? ", ehlo-as-helo" : "") + "]";
    }

    private Result postfix(String command) {
        return run(List.of(PeerBinaries.locate("postfix").toString(), "-c", configDir.toString(), command));
    }

    private record Result(int exitCode, String stdout, String stderr) {}

    private static Result run(List<String> command) {
        try {
            Path out = Files.createTempFile("reacher-postfix-cmd-", ".out");
            Path err = Files.createTempFile("reacher-postfix-cmd-", ".err");
            try {
                Process process = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("`" + String.join(" ", command) + "` did not finish within "
                            + COMMAND_TIMEOUT.toSeconds() + " s");
                }
                return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.getFirst(), e);
        }
    }
}
