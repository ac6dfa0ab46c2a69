-- Upstream Reacher's v1 tables (migration 20240929230957_v1_worker_results), created only when
-- missing so that reacher-java can be pointed at a database an upstream backend already uses.
CREATE TABLE IF NOT EXISTS v1_bulk_job (
    id SERIAL PRIMARY KEY,
    total_records INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS v1_task_result (
    id SERIAL PRIMARY KEY,
    job_id INTEGER REFERENCES v1_bulk_job(id) ON DELETE CASCADE,
    payload JSONB NOT NULL,
    extra JSONB,
    result JSONB,
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX IF NOT EXISTS idx_v1_task_result_job_id ON v1_task_result (job_id);
