-- The single-machine database: upstream's v1 tables with reacher-java's additions (see the
-- PostgreSQL migrations for the reasons), and the embedded task queue. Timestamps are epoch
-- microseconds (UTC); JSON is stored as text.

CREATE TABLE v1_bulk_job (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    total_records INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    task_template TEXT,
    webhook TEXT,
    published INTEGER NOT NULL DEFAULT 0,
    dispatch_lease_until INTEGER,
    processed INTEGER NOT NULL DEFAULT 0,
    total_safe INTEGER NOT NULL DEFAULT 0,
    total_risky INTEGER NOT NULL DEFAULT 0,
    total_invalid INTEGER NOT NULL DEFAULT 0,
    total_unknown INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER,
    finish_notified_at INTEGER
);

CREATE TABLE v1_bulk_item (
    job_id INTEGER NOT NULL REFERENCES v1_bulk_job(id) ON DELETE CASCADE,
    item_index INTEGER NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (job_id, item_index)
) WITHOUT ROWID;

CREATE TABLE v1_task_result (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER REFERENCES v1_bulk_job(id) ON DELETE CASCADE,
    item_index INTEGER,
    payload TEXT NOT NULL,
    extra TEXT,
    result TEXT,
    error TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX idx_v1_task_result_job_id ON v1_task_result (job_id);
CREATE UNIQUE INDEX uq_v1_task_result_job_item ON v1_task_result (job_id, item_index);

-- The embedded queue: a row is a message; lease_until > now means a consumer holds it.
CREATE TABLE queue_task (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    priority INTEGER NOT NULL,
    body TEXT NOT NULL,
    retries INTEGER NOT NULL DEFAULT 0,
    deliveries INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER NOT NULL DEFAULT 0,
    reply_to TEXT,
    correlation_id TEXT,
    enqueued_at INTEGER NOT NULL
);
CREATE INDEX idx_queue_task_order ON queue_task (priority DESC, id);

CREATE TABLE queue_dead (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    reason TEXT NOT NULL,
    dead_at INTEGER NOT NULL
);
