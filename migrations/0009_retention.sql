-- Retention (src/app/retention.cpp): the hourly prune finds old rows through these indexes instead
-- of scanning the tables. The outbox is append-only, so its rows are in created_at order on disk
-- and a BRIN index costs almost nothing to keep; finished jobs are few and found by a partial index.
CREATE INDEX outbox_created_at_brin ON outbox USING brin (created_at);
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE finished_at IS NOT NULL;
