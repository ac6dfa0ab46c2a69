package dev.reacher.server.task;

/** Which job a task belongs to: upstream's {@code "single_shot"} or {@code {"bulk": id}}. */
public sealed interface JobRef {
    record Bulk(long id) implements JobRef {}

    record SingleShot() implements JobRef {}

    static JobRef bulk(long id) {
        return new Bulk(id);
    }

    static JobRef singleShot() {
        return new SingleShot();
    }
}
