package dev.reacher.cli;

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

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ReacherCommand.class.getPackage().getImplementationVersion();
            return new String[] {"reacher " + (v == null ? "development build" : v)};
        }
    }
}
