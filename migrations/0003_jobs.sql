-- Durable job queue (src/jobs). A job is enqueued in the caller's transaction, claimed by workers
-- with FOR UPDATE SKIP LOCKED, and owned through a lease (locked_by, locked_until) that a heartbeat
-- renews; a job whose lease ran out (its worker died) is claimed again.
CREATE TABLE jobs (
    id            bigserial PRIMARY KEY,
    queue         text NOT NULL,
    kind          text NOT NULL,
    payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'succeeded', 'dead')),
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts  integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_at        timestamptz NOT NULL DEFAULT now(),
    locked_by     text,
    locked_until  timestamptz,
    last_error    text,
    dedupe_key    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    -- When a worker may take the job: a queued job at run_at, a running one once its lease expires.
    -- Finished jobs have none, so they stay out of the claim index.
    due_at        timestamptz GENERATED ALWAYS AS (
                      CASE status WHEN 'queued' THEN run_at WHEN 'running' THEN locked_until END) STORED,
    CHECK (status <> 'running' OR (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);

-- Serves the claim (queue = $1 AND due_at <= now() ORDER BY due_at, id): one range scan that
-- returns due queued jobs and expired leases alike, in order, and never touches finished rows.
CREATE INDEX jobs_due_idx ON jobs (queue, due_at, id) WHERE due_at IS NOT NULL;

-- A dedupe key names one job for as long as its row exists.
CREATE UNIQUE INDEX jobs_dedupe_key_key ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Dead jobs are what an operator looks at (queue depth is served by jobs_due_idx).
CREATE INDEX jobs_dead_idx ON jobs (queue, finished_at) WHERE status = 'dead';
