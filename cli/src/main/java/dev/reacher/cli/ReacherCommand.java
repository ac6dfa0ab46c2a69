package dev.reacher.cli;

import dev.reacher.server.http.ServerVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code reacher}: the entry point of the runnable jar. */
@Command(name = "reacher", mixinStandardHelpOptions = true, versionProvider = ReacherCommand.Version.class,
        description = "Check if an email address exists without sending any email.",
        subcommands = {CheckCommand.class, ServeCommand.class, WorkerCommand.class, BulkCommand.class, ProxiesCommand.class,
                CommandLine.HelpCommand.class})
public final class ReacherCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return new CommandLine(new ReacherCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * The same words as the server's {@code GET /version}: the build's version comes from one place,
     * the Maven project version filtered into the server's {@code version.properties}.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"reacher-java " + ServerVersion.IMPLEMENTATION_VERSION + " (Reacher API "
                    + ServerVersion.API_VERSION + ")"};
        }
    }
}
