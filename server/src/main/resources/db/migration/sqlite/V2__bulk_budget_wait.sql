-- Bulk items that found no proxy budget and went back to the queue to wait for it: one row per
-- item, with when its budget is expected back (epoch microseconds). A row whose item has a result
-- is no longer waiting; rows go with their job.
CREATE TABLE bulk_budget_wait (
    job_id INTEGER NOT NULL REFERENCES v1_bulk_job(id) ON DELETE CASCADE,
    item_index INTEGER NOT NULL,
    until INTEGER NOT NULL,
    PRIMARY KEY (job_id, item_index)
) WITHOUT ROWID;
