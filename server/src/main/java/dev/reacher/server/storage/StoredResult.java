package dev.reacher.server.storage;

/**
 * One stored outcome of a job, as read back for results.
 *
 * @param itemIndex the position in the job's input (null for rows written by an upstream backend)
 * @param resultJson the CheckEmailOutput JSON, or null for an error row
 * @param error the task error, or null
 * @param email the address (read from the payload, so error rows have it too)
 */
public record StoredResult(Integer itemIndex, String resultJson, String error, String email) {}
