-- reacher-java additions: an outbox of job items (so a job whose publishing was interrupted is
-- resumed instead of never completing), per-job counters maintained in the same transaction as the
-- results (O(1) progress and exactly one "job finished" event), and one result per job item.

ALTER TABLE v1_bulk_job
    ADD COLUMN IF NOT EXISTS task_template JSONB,
    ADD COLUMN IF NOT EXISTS webhook JSONB,
    ADD COLUMN IF NOT EXISTS published INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS dispatch_lease_until TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS processed INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_safe INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_risky INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_invalid INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS total_unknown INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS finished_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS finish_notified_at TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS v1_bulk_item (
    job_id INTEGER NOT NULL REFERENCES v1_bulk_job(id) ON DELETE CASCADE,
    item_index INTEGER NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (job_id, item_index)
);

ALTER TABLE v1_task_result ADD COLUMN IF NOT EXISTS item_index INTEGER;
-- Single-shot rows (job_id NULL) and upstream's rows (item_index NULL) never conflict.
CREATE UNIQUE INDEX IF NOT EXISTS uq_v1_task_result_job_item ON v1_task_result (job_id, item_index);

-- Jobs written by an upstream backend: nothing left to publish, counters from their rows.
UPDATE v1_bulk_job j SET
    published = j.total_records,
    processed = c.n,
    total_safe = c.safe,
    total_risky = c.risky,
    total_invalid = c.invalid,
    total_unknown = c.unknown,
    finished_at = CASE WHEN c.n >= j.total_records THEN c.last END
FROM (SELECT job_id, COUNT(*) AS n,
             COUNT(*) FILTER (WHERE result->>'is_reachable' = 'safe') AS safe,
             COUNT(*) FILTER (WHERE result->>'is_reachable' = 'risky') AS risky,
             COUNT(*) FILTER (WHERE result->>'is_reachable' = 'invalid') AS invalid,
             COUNT(*) FILTER (WHERE result->>'is_reachable' = 'unknown') AS unknown,
             MAX(created_at) AS last
      FROM v1_task_result WHERE job_id IS NOT NULL GROUP BY job_id) c
WHERE c.job_id = j.id AND j.task_template IS NULL;
UPDATE v1_bulk_job SET published = total_records WHERE task_template IS NULL;
