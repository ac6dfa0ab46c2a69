package dev.reacher.server.storage;

/** One address of a bulk job and its position in the job's input. */
public record JobItem(int index, String email) {}
