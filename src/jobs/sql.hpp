#pragma once
// Every statement of the job queue, named once. Internal to src/jobs (and the tests, which EXPLAIN
// the claim): callers use queue.hpp and worker.hpp.
#include "db/query.hpp"

namespace mc::jobs::sql {

// $1 queue, $2 kind, $3 payload, $4 delay ms, $5 max_attempts, $6 dedupe_key (nullable),
// $7 traceparent of the enqueuing request or job (nullable).
inline constexpr db::Query kEnqueue{
    "jobs_enqueue",
    "INSERT INTO jobs (queue, kind, payload, run_at, max_attempts, dedupe_key, traceparent) "
    "VALUES ($1, $2, $3::jsonb, now() + $4::bigint * interval '1 millisecond', $5::int, $6, $7) "
    "ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING id"};

inline constexpr db::Query kFindByDedupeKey{"jobs_find_by_dedupe_key",
                                            "SELECT id FROM jobs WHERE dedupe_key = $1"};

// Finished jobs (succeeded or dead) older than $1 hours, $2 at a time (through jobs_finished_idx).
inline constexpr db::Query kPruneFinished{
    "jobs_prune_finished",
    "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at < "
    "now() - $1::bigint * interval '1 hour' AND status IN ('succeeded', 'dead') LIMIT $2)"};

// Takes up to $3 due jobs of queue $1 whose kind is in $5: queued ones whose run_at has come and
// running ones whose lease expired (their worker died). The attempt is counted here, so a job
// that kills its worker still runs out of attempts.
// $1 queue, $2 worker id, $3 limit, $4 lease ms, $5 kinds (text[]).
inline constexpr db::Query kClaim{
    "jobs_claim",
    "UPDATE jobs j SET status = 'running', attempts = j.attempts + 1, locked_by = $2, "
    "locked_until = now() + $4::bigint * interval '1 millisecond', updated_at = now(), "
    "last_error = CASE WHEN j.status = 'running' THEN 'lease expired: worker ' || j.locked_by || "
    "' stopped renewing it during attempt ' || j.attempts ELSE j.last_error END "
    "WHERE j.id IN (SELECT id FROM jobs WHERE queue = $1 AND due_at <= now() "
    "AND attempts < max_attempts AND kind = ANY($5::text[]) "
    "ORDER BY due_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) "
    "RETURNING j.id, j.kind, j.payload::text, j.attempts, j.max_attempts, j.traceparent"};

// Running jobs whose lease expired during their last attempt: the worker died on the final try.
// $1 queue, $2 kinds (text[]).
inline constexpr db::Query kBuryExpired{
    "jobs_bury_expired",
    "UPDATE jobs j SET status = 'dead', finished_at = now(), updated_at = now(), locked_by = NULL, "
    "locked_until = NULL, last_error = 'lease expired: worker ' || j.locked_by || "
    "' stopped renewing it during the last attempt (' || j.attempts || ')' "
    "WHERE j.id IN (SELECT id FROM jobs WHERE queue = $1 AND due_at <= now() AND status = 'running' "
    "AND attempts >= max_attempts AND kind = ANY($2::text[]) LIMIT 100 FOR UPDATE SKIP LOCKED) "
    "RETURNING j.id, j.kind"};

// A claim is identified by (locked_by, attempts): attempts grows with every claim, so a stale
// owner never matches a later claim, even one by the same worker.

// $1 id, $2 worker id, $3 attempt, $4 lease ms.
inline constexpr db::Query kHeartbeat{
    "jobs_heartbeat",
    "UPDATE jobs SET locked_until = now() + $4::bigint * interval '1 millisecond', updated_at = now() "
    "WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND status = 'running' RETURNING id"};

// In the handler's transaction (JobContext::complete) or on its own after the handler returned.
// $1 id, $2 worker id, $3 attempt.
inline constexpr db::Query kComplete{
    "jobs_complete",
    "UPDATE jobs SET status = 'succeeded', finished_at = now(), updated_at = now(), locked_by = NULL, "
    "locked_until = NULL WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND status = 'running' "
    "RETURNING id"};

// The handler threw: back to the queue after $4 ms, or dead once attempts are used up.
// $1 id, $2 worker id, $3 attempt, $4 retry delay ms, $5 error.
inline constexpr db::Query kFail{
    "jobs_fail",
    "UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, "
    "run_at = CASE WHEN attempts >= max_attempts THEN run_at "
    "ELSE now() + $4::bigint * interval '1 millisecond' END, "
    "finished_at = CASE WHEN attempts >= max_attempts THEN now() END, "
    "locked_by = NULL, locked_until = NULL, last_error = $5, updated_at = now() "
    "WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND status = 'running' RETURNING status"};

// Graceful stop: hands unfinished jobs back for another worker to take at once, giving the
// interrupted attempt back. Rows locked right now (a handler committing complete()) are skipped.
// $1 ids (bigint[]), $2 worker id.
inline constexpr db::Query kRelease{
    "jobs_release",
    "UPDATE jobs j SET status = 'queued', attempts = j.attempts - 1, locked_by = NULL, "
    "locked_until = NULL, run_at = now(), updated_at = now() "
    "WHERE j.id IN (SELECT id FROM jobs WHERE id = ANY($1::bigint[]) AND locked_by = $2 "
    "AND status = 'running' FOR UPDATE SKIP LOCKED) RETURNING j.id"};

}  // namespace mc::jobs::sql
