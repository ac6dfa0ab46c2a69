-- Bulk items that found no proxy budget and went back to the queue to wait for it: one row per
-- item, with when its budget is expected back. A row whose item has a result is no longer
-- waiting; rows go with their job. (V3 is the fleet-wide proxy pool state.)
CREATE TABLE IF NOT EXISTS bulk_budget_wait (
    job_id INTEGER NOT NULL REFERENCES v1_bulk_job(id) ON DELETE CASCADE,
    item_index INTEGER NOT NULL,
    until TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (job_id, item_index)
);
