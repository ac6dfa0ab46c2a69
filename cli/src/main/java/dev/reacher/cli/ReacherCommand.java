package dev.reacher.cli;

/** Placeholder entry point; replaced by the picocli command. */
public final class ReacherCommand {
    public static void main(String[] args) {
        System.out.println("reacher");
    }
}
