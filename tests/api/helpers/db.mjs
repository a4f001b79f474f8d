// Reads the embedded database directly, to check what a request did (not) write.
import assert from 'node:assert/strict';

export const ACCOUNT_TABLES = ['users', 'artist_profiles', 'sessions', 'refresh_tokens', 'account_tokens'];

/** Row counts of every account table, plus the highest outbox id (the relay may delete old rows). */
export async function snapshot(pool) {
  const counts = {};
  const selects = ACCOUNT_TABLES.map((t) => `(SELECT count(*) FROM ${t})::int AS ${t}`).join(', ');
  const { rows } = await pool.query(`SELECT ${selects}, (SELECT coalesce(max(id), 0) FROM outbox)::bigint AS outbox_max_id`);
  for (const t of ACCOUNT_TABLES) counts[t] = rows[0][t];
  return { counts, outboxMaxId: rows[0].outbox_max_id };
}

/**
 * Asserts no account table gained or lost rows since `before` and no outbox event was appended.
 * outbox: false where the failure may legitimately enqueue an event (e.g. a lockout notice).
 */
export async function assertNothingWritten(pool, before, { outbox = true, context = '' } = {}) {
  const after = await snapshot(pool);
  assert.deepEqual(after.counts, before.counts, `account table row counts changed ${context}`);
  if (outbox) {
    const { rows } = await pool.query('SELECT id, topic, key FROM outbox WHERE id > $1 ORDER BY id', [before.outboxMaxId]);
    assert.deepEqual(rows, [], `outbox events were appended ${context}`);
  }
}

/** Asserts exactly these count changes (others unchanged), e.g. {users: 1, sessions: 1}. */
export async function assertCountsChanged(pool, before, delta) {
  const after = await snapshot(pool);
  const expected = { ...before.counts };
  for (const [t, d] of Object.entries(delta)) expected[t] += d;
  assert.deepEqual(after.counts, expected, 'account table row counts');
}

export async function userByUsername(pool, username) {
  const { rows } = await pool.query('SELECT * FROM users WHERE username = $1', [username]);
  return rows[0] ?? null;
}

export async function sessionRow(pool, id) {
  const { rows } = await pool.query('SELECT * FROM sessions WHERE id = $1', [id]);
  return rows[0] ?? null;
}

export async function sessionsOfUser(pool, userId) {
  const { rows } = await pool.query('SELECT * FROM sessions WHERE user_id = $1 ORDER BY created_at', [userId]);
  return rows;
}

/**
 * Gives a fan a tier for an artist through the subscriptions table, the table the memberships
 * work writes (an active subscription paid for 30 days).
 */
export async function grantTier(pool, fanId, artistId, tier, status = 'active') {
  await pool.query(
    `INSERT INTO subscriptions (fan_id, artist_id, tier, status, current_period_end)
     VALUES ($1, $2, $3, $4, now() + interval '30 days')`, [fanId, artistId, tier, status]);
}
