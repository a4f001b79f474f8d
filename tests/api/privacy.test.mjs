// Privacy (SPEC §4.13, docs/privacy.md): the data export (a durable job, a zip of every user-owned
// table, a signed expiring link only the owner gets), account deletion (what goes, what stays
// anonymised, the ledger untouched, sessions and sockets closed, media removed, safe to retry) and
// the marketing consent records.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from './helpers/server.mjs';
import { readyTrack } from './helpers/media.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { grantTier } from './helpers/db.mjs';
import { login, registerUser, uniqueName } from './helpers/fixtures.mjs';
import { WsClient } from './helpers/ws.mjs';
import { readZip } from './helpers/zip.mjs';

let srv;
let api;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  srv = await startServer({ name: 'privacy' });
  api = srv.api;
});
after(async () => {
  await srv?.stop();
});

// Every column that points at an account, read from the schema: foreign keys to users or
// artist_profiles, and columns without one whose name says they hold a person (analytics events, the
// audit log, the ledger's owners, play_windows' listener key...): such tables are the easy ones to
// forget. A new table shows up here and must be covered by the export and by the deletion policy.
const PERSON_COLUMN = /(^|_)(user|fan|artist|owner|actor|listener|reporter|sender|recipient|uploader|author|buyer|blocker|blocked|member|creator|admin|host|cohost)_(id|key)$/;
async function userColumns() {
  const { rows: fks } = await srv.pool.query(`
    SELECT c.conrelid::regclass::text AS t, a.attname AS col
      FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
     WHERE c.contype = 'f' AND c.confrelid IN ('users'::regclass, 'artist_profiles'::regclass)`);
  // Partitions are covered by their parent; "..._by" only as a uuid (jobs.locked_by is a worker).
  const { rows: named } = await srv.pool.query(`
    SELECT c.table_name AS t, c.column_name AS col, c.data_type AS type
      FROM information_schema.columns c
      JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = 'public'::regnamespace
     WHERE c.table_schema = 'public' AND k.relkind IN ('r', 'p') AND NOT k.relispartition
       AND c.data_type IN ('uuid', 'text')`);
  const out = new Map([['users', new Map([['id', { fk: true }]])]]);
  const add = (t, col, fk) => {
    if (!out.has(t)) out.set(t, new Map());
    if (!out.get(t).has(col) || fk) out.get(t).set(col, { fk });
  };
  for (const r of fks) add(r.t, r.col, true);
  for (const r of named) {
    if (PERSON_COLUMN.test(r.col) || (r.type === 'uuid' && /_by$/.test(r.col))) add(r.t, r.col, false);
  }
  return out;
}
async function userOwnedTables() {
  return [...(await userColumns()).keys()];
}

// What deletion does with each user-owned table (docs/privacy.md "Account deletion"), for all its
// account columns, or per column as "table.column" where they differ. "removed": no row holds the
// id any more; "anonymised": rows stay with the column set null; "tombstone": the users row;
// "kept: <why>": rows stay, with no personal data (checked below); the reason is required. A table
// or column not listed fails the deletion tests: decide its policy, implement it, then list it here.
const DELETION_POLICY = {
  users: 'tombstone', // the row stays as "deleted user": no personal field left
  artist_profiles: 'removed',
  sessions: 'removed',
  account_tokens: 'removed',
  follows: 'removed',
  artist_tiers: 'removed',
  subscriptions: 'kept: the money record of a membership; points at the tombstone',
  releases: 'removed',
  tracks: 'removed',
  likes: 'removed',
  plays: 'anonymised', // user_id set null: play counts stay
  comments: 'kept: threads keep their sense; shown as "deleted user"',
  comment_reports: 'removed', // written only by the release before 0020 (copied into reports)
  reports: 'removed', // the ones they filed, and the ones about their account
  'reports.resolved_by': 'kept: the moderation decision outlives the admin who made it (an id, no foreign key)',
  feature_flag_users: 'removed',
  upload_sessions: 'removed',
  provider_customers: 'removed',
  provider_prices: 'removed',
  payout_accounts: 'removed',
  checkouts: 'kept: the payment record; the message is removed',
  payments: 'kept: the money record the law requires; the message is removed, ledger references stay',
  payouts: 'kept: the money record the law requires; artist_id set null',
  conversations: 'kept: the other party keeps the conversation',
  conversation_members: 'kept: the other party keeps the conversation',
  messages: 'kept: the other party keeps them; the sender is the tombstone',
  message_attachments: 'removed', // and taken off the kept messages; files purged with dm/<user>/
  user_blocks: 'removed',
  dm_quota: 'removed',
  notifications: 'removed',
  notification_preferences: 'removed',
  parties: 'removed',
  party_cohosts: 'removed',
  party_mutes: 'removed',
  party_messages: 'removed',
  consent_records: 'kept: proof of consent, without address or browser',
  data_exports: 'removed',
  posts: 'removed', // with the artist's page
  post_likes: 'removed',
  purchases: 'kept: the buyer\'s record of a sale; points at the tombstone',
  // Without foreign keys (docs/analytics.md, docs/admin.md, docs/payments.md):
  play_windows: 'removed', // listener_key 'u:<id>'
  'play_events.user_id': 'anonymised', // a fan's plays still count for the artists
  'play_events.artist_id': 'removed', // an artist's history goes with their page
  'follow_events.fan_id': 'anonymised',
  'follow_events.artist_id': 'removed',
  'subscription_events.fan_id': 'anonymised',
  'subscription_events.artist_id': 'removed',
  analytics_fan_windows: 'removed',
  analytics_fan_top: 'removed',
  analytics_fan_listeners: 'removed',
  analytics_daily: 'removed',
  analytics_track_daily: 'removed',
  analytics_country_daily: 'removed',
  analytics_subscription_daily: 'removed',
  analytics_revenue_daily: 'removed',
  audit_log: 'kept: the security record (SOC2) outlives accounts; ids, addresses and browsers, no names or emails (docs/admin.md)',
  ledger_accounts: 'kept: the ledger is append-only and must still balance; owner id without personal data',
  ledger_transactions: 'kept: the ledger is append-only and must still balance; artist id without personal data',
};
const policyOf = (t, col) => DELETION_POLICY[`${t}.${col}`] ?? DELETION_POLICY[t];
// Tables whose policy keeps the client's address: the audit log says where an action came from.
const KEEPS_ADDRESS = new Set(['audit_log']);

// The (table, column) pairs that point at an account but have no valid policy: empty when every
// user-owned table is covered.
async function uncoveredColumns(columns) {
  const missing = [];
  for (const [t, cols] of columns) {
    for (const col of cols.keys()) {
      const p = policyOf(t, col);
      if (!(p === 'removed' || p === 'anonymised' || p === 'tombstone' || /^kept: \S.{10,}/.test(p ?? ''))) {
        missing.push(`${t}.${col}`);
      }
    }
  }
  return missing;
}

// The rows whose `col` still holds the account (play_windows keys it as 'u:<id>').
async function rowsOf(table, col, id) {
  const { rows } = await srv.pool.query(
    `SELECT row_to_json(t)::text AS j FROM "${table}" t WHERE "${col}"::text = $1 OR "${col}"::text = 'u:' || $1`, [id]);
  return rows.map((r) => r.j);
}

// After a deletion: every account column has a policy, "removed" and "anonymised" columns no longer
// hold the id, and no row that still does holds any of the personal strings (nor the address, but
// where the policy keeps it).
async function sweepAfterDeletion(id, personal, address = '127.0.0.1') {
  const columns = await userColumns();
  assert.deepEqual(await uncoveredColumns(columns), [],
    'every column that refers to an account has a deletion policy (docs/privacy.md)');
  for (const [t, cols] of columns) {
    for (const col of cols.keys()) {
      const policy = policyOf(t, col);
      const rows = await rowsOf(t, col, id);
      if (policy === 'removed' || policy === 'anonymised') assert.equal(rows.length, 0, `${t}.${col} (${policy}) still holds the account: ${rows[0]}`);
      const forbidden = KEEPS_ADDRESS.has(t) ? personal : [...personal, address];
      for (const r of rows) {
        for (const pii of forbidden) assert.ok(!r.includes(pii), `${t} still holds "${pii}": ${r}`);
      }
    }
  }
}

// Runs the analytics rollup job over every day (as on its first run) and waits for it.
async function runRollup() {
  const { rows: [before] } = await srv.pool.query('SELECT rolled_at FROM analytics_state');
  await srv.pool.query('UPDATE analytics_state SET rolled_until = NULL, fans_as_of = NULL');
  await srv.pool.query(`INSERT INTO jobs (queue, kind, payload) VALUES ('maintenance', 'analytics.rollup', '{}')`);
  await waitFor(async () => {
    const { rows: [s] } = await srv.pool.query('SELECT rolled_at FROM analytics_state');
    return s.rolled_at && (!before.rolled_at || s.rolled_at > before.rolled_at);
  }, 'the analytics rollup');
}

async function ledgerState() {
  const { rows } = await srv.pool.query(`
    SELECT x.id, x.kind, x.reference, sum(e.amount_cents)::bigint AS total, count(e.id)::int AS entries,
           string_agg(e.account_id || ':' || e.amount_cents, ',' ORDER BY e.id) AS lines
      FROM ledger_transactions x JOIN ledger_entries e ON e.txn_id = x.id GROUP BY x.id ORDER BY x.id`);
  return rows;
}

async function waitFor(fn, what, { timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(200);
  }
}

async function waitExport(token, id) {
  return waitFor(async () => {
    const e = expectStatus(await api.get(`/api/me/exports/${id}`, { token }), 200);
    return e.status === 'pending' ? null : e;
  }, `export ${id}`);
}

async function download(url) {
  const res = await fetch(new URL(url, srv.baseUrl));
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const sandboxPay = (url, token) =>
  api.post(`/api/sandbox/checkouts/${new URL(url).pathname.split('/').pop()}/pay`, {}, { token });

// An artist with a published track, and a fan who follows, likes, comments, tips with a message,
// holds a superfan membership, and exchanges messages with the artist.
async function world() {
  const artist = await registerUser(api, { role: 'artist', artistName: `Priv ${uniqueName('a')}` });
  const rel = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'Record', kind: 'single' } }), 201);
  const track = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'Song' });
  expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
  const fan = await registerUser(api);
  expectStatus(await api.json('POST', `/api/artists/${artist.user.id}/follow`, { token: fan.token }), 200);
  expectStatus(await api.json('POST', `/api/content/${track.id}/like`, { token: fan.token }), 200);
  const comment = expectStatus(await api.json('POST', `/api/content/${track.id}/comments`, { token: fan.token, body: { body: 'What a tune' } }), 201);
  const tip = expectStatus(await api.post('/api/tips', { artistId: artist.user.id, amountCents: 1000, message: 'From your fan' }, { token: fan.token }), 201);
  expectStatus(await sandboxPay(tip.checkoutUrl, fan.token), 200);
  await grantTier(srv.pool, fan.user.id, artist.user.id, 'superfan');
  const sent = expectStatus(await api.json('POST', '/api/messaging/send', { token: fan.token, body: { recipientId: artist.user.id, body: 'Hello artist' } }), 201);
  const reply = expectStatus(await api.json('POST', '/api/messaging/send', { token: artist.token, body: { conversationId: sent.conversation.id, body: 'Hello fan' } }), 201);
  expectStatus(await api.json('PUT', '/api/me/consents', { token: fan.token, body: { marketingEmail: true } }), 200);
  // Listening history for the analytics tables: a play now, one two days ago, and a rollup over
  // every day (docs/analytics.md), so the fan has per-fan windows and the artist daily figures.
  expectStatus(await api.json('POST', `/api/content/${track.id}/plays`, { token: fan.token, body: { listenedSeconds: 45 } }), 202);
  await srv.pool.query(`INSERT INTO play_events (played_at, artist_id, track_id, user_id)
    VALUES (now() - interval '2 days', $1, $2, $3)`, [artist.user.id, track.id, fan.user.id]);
  await runRollup();
  return { artist, fan, trackId: track.id, releaseId: rel.id, commentId: comment.id, conversationId: sent.conversation.id,
    sentId: sent.message.id, replyId: reply.message.id };
}

describe('export', () => {
  test('the archive holds every user-owned table, with the rows the database has on the user', async () => {
    const w = await world();
    await waitFor(async () => (await srv.pool.query('SELECT 1 FROM notifications WHERE user_id = $1', [w.fan.user.id])).rowCount > 0,
      'a notification for the fan');
    const first = expectStatus(await api.json('POST', '/api/me/exports', { token: w.fan.token }), 202);
    assert.equal(first.status, 'pending');
    assert.equal(first.download, null);
    const again = expectStatus(await api.json('POST', '/api/me/exports', { token: w.fan.token }), 202);
    if (again.id !== first.id) {
      // Only when the first was already finished: never two pending.
      assert.notEqual((await srv.pool.query('SELECT status FROM data_exports WHERE id = $1', [first.id])).rows[0].status, 'pending');
    }
    const done = await waitExport(w.fan.token, first.id);
    assert.equal(done.status, 'ready', JSON.stringify(done));
    assert.ok(done.sizeBytes > 0);
    assert.match(done.download.url, new RegExp(`^/media/exports/${w.fan.user.id}/${first.id}\\.zip\\?`));
    const list = expectStatus(await api.get('/api/me/exports', { token: w.fan.token }), 200);
    assert.ok(list.exports.some((e) => e.id === first.id));

    const got = await download(done.download.url);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'application/zip');
    assert.match(got.headers.get('content-disposition'), /attachment; filename="musicconnect-export-/);
    const files = readZip(got.body);
    const table = (name) => {
      assert.ok(files.has(`${name}.json`), `the archive has ${name}.json (it has ${[...files.keys()].join(', ')})`);
      return JSON.parse(files.get(`${name}.json`).toString('utf8'));
    };
    assert.ok(files.has('README.txt'));
    for (const t of await userOwnedTables()) table(t);

    const id = w.fan.user.id;
    const ids = async (sql) => (await srv.pool.query(sql, [id])).rows.map((r) => String(r.id)).sort();
    const exported = (rows, key = 'id') => rows.map((r) => String(r[key])).sort();
    assert.equal(table('users')[0].email, w.fan.input.email);
    assert.equal(table('users')[0].password_hash, undefined);
    assert.ok(!got.body.includes(Buffer.from('$argon2')), 'no password hash anywhere in the archive');
    assert.deepEqual(exported(table('sessions')), await ids('SELECT id FROM sessions WHERE user_id = $1'));
    assert.deepEqual(exported(table('follows'), 'artist_id'), await ids('SELECT artist_id AS id FROM follows WHERE fan_id = $1'));
    assert.deepEqual(exported(table('likes'), 'track_id'), [w.trackId]);
    assert.deepEqual(exported(table('comments')), [w.commentId]);
    assert.deepEqual(exported(table('subscriptions')), await ids('SELECT id FROM subscriptions WHERE fan_id = $1'));
    assert.deepEqual(exported(table('payments')), await ids('SELECT id FROM payments WHERE fan_id = $1'));
    assert.equal(table('payments')[0].message, 'From your fan');
    assert.deepEqual(exported(table('ledger_transactions')),
      await ids('SELECT id FROM ledger_transactions WHERE payment_id IN (SELECT id FROM payments WHERE fan_id = $1)'));
    for (const x of table('ledger_transactions')) {
      assert.equal(x.entries.reduce((s, e) => s + Number(e.amountCents), 0), 0, 'each exported transaction balances');
    }
    assert.deepEqual(exported(table('messages')), [w.sentId, w.replyId].sort(), 'messages sent and received');
    assert.deepEqual(exported(table('notifications')), await ids('SELECT id FROM notifications WHERE user_id = $1'));
    assert.ok(table('notifications').length > 0);
    assert.deepEqual(table('consent_records').map((c) => [c.purpose, c.granted, c.source]), [['marketing_email', true, 'settings']]);
    assert.ok(table('data_exports').some((e) => e.id === first.id));
    assert.ok(table('audit_log').some((e) => e.action === 'data_export.requested' && e.target_id === first.id), 'the audit entries about the user');
    // The analytics tables that hold the fan's id without a foreign key.
    assert.deepEqual(table('follow_events').map((e) => [e.artist_id, e.fan_id, e.delta]), [[w.artist.user.id, id, 1]]);
    assert.deepEqual(table('subscription_events').map((e) => [e.artist_id, e.fan_id, e.kind]), [[w.artist.user.id, id, 'start']]);
    assert.deepEqual(exported(table('play_events'), 'track_id'), [w.trackId, w.trackId]);
    assert.deepEqual(table('analytics_fan_windows').map((x) => [x.artist_id, Number(x.plays_7d)]), [[w.artist.user.id, 1]]);
    assert.deepEqual(table('analytics_fan_top').map((x) => [x.artist_id, x.days, Number(x.plays)]),
      [7, 30, 90, 365].map((d) => [w.artist.user.id, d, 1]));
    assert.ok(!got.body.includes(Buffer.from(w.artist.input.email)), 'nothing of the artist\'s account beyond what the fan sees');
    for (const name of files.keys()) assert.match(name, /^(README\.txt|[a-z_]+\.json)$/, `a well-named file: ${name}`);

    // The artist's archive: their page's figures and events, without the fans' ids in the events.
    const mine = expectStatus(await api.json('POST', '/api/me/exports', { token: w.artist.token }), 202);
    const theirs = readZip((await download((await waitExport(w.artist.token, mine.id)).download.url)).body);
    const artistTable = (name) => JSON.parse(theirs.get(`${name}.json`).toString('utf8'));
    for (const t of await userOwnedTables()) assert.ok(theirs.has(`${t}.json`), `the artist's archive has ${t}.json`);
    assert.deepEqual(artistTable('follow_events').map((e) => [e.artist_id, e.fan_id, e.delta]), [[w.artist.user.id, null, 1]]);
    assert.deepEqual(artistTable('subscription_events').map((e) => [e.fan_id, e.kind]), [[null, 'start']]);
    assert.equal(artistTable('analytics_fan_windows').length, 0, 'per-fan windows are the fans\', not the artist\'s');
    assert.ok(artistTable('analytics_daily').some((d) => Number(d.plays) === 1 && Number(d.listeners) === 1), 'the rolled-up day');
    assert.ok(artistTable('analytics_track_daily').every((d) => d.track_id === w.trackId));
  });

  test('only the owner: another user gets 404, a changed link 403, no token 401', async () => {
    const owner = await registerUser(api);
    const other = await registerUser(api);
    const e = expectStatus(await api.json('POST', '/api/me/exports', { token: owner.token }), 202);
    const done = await waitExport(owner.token, e.id);
    expectError(await api.get(`/api/me/exports/${e.id}`, { token: other.token }), 404, 'not_found');
    expectError(await api.get(`/api/me/exports/${e.id}`), 401, 'unauthorized');
    const theirs = expectStatus(await api.get('/api/me/exports', { token: other.token }), 200);
    assert.ok(!theirs.exports.some((x) => x.id === e.id));
    const forged = done.download.url.replace(owner.user.id, other.user.id);
    assert.equal((await download(forged)).status, 403);
    const badSig = done.download.url.replace(/s=[^&]+/, 's=AAAA');
    assert.equal((await download(badSig)).status, 403);
    const expired = done.download.url.replace(/e=\d+/, 'e=1000');
    assert.equal((await download(expired)).status, 403);
  });
});

describe('consent', () => {
  test('marketing email is off until given; every change is recorded with time and source', async () => {
    const u = await registerUser(api);
    let c = expectStatus(await api.get('/api/me/consents', { token: u.token }), 200);
    assert.deepEqual(c.marketingEmail, { granted: false, source: null, updatedAt: null });
    assert.deepEqual(c.history, []);
    const on = expectStatus(await api.json('PUT', '/api/me/consents', { token: u.token, body: { marketingEmail: true }, headers: { 'user-agent': 'consent-test' } }), 200);
    assert.equal(on.marketingEmail.granted, true);
    assert.equal(on.record.source, 'settings');
    expectStatus(await api.json('PUT', '/api/me/consents', { token: u.token, body: { marketingEmail: false } }), 200);
    c = expectStatus(await api.get('/api/me/consents', { token: u.token }), 200);
    assert.equal(c.marketingEmail.granted, false);
    assert.deepEqual(c.history.map((h) => h.granted), [false, true], 'newest first');
    const { rows } = await srv.pool.query('SELECT granted, source, ip, user_agent FROM consent_records WHERE user_id = $1 ORDER BY id', [u.user.id]);
    assert.equal(rows.length, 2);
    assert.equal(rows[0].user_agent, 'consent-test');
    assert.ok(rows[0].ip);
  });

  test('bad input names the field and records nothing', async () => {
    const u = await registerUser(api);
    for (const body of [{}, { marketingEmail: 'yes' }, { marketingEmail: 1 }, { marketingEmail: null }]) {
      expectError(await api.json('PUT', '/api/me/consents', { token: u.token, body }), 400, 'validation_failed', { field: 'marketingEmail' });
    }
    expectError(await api.json('PUT', '/api/me/consents', { token: u.token, body: { marketingEmail: true, extra: 1 } }), 400, 'validation_failed', { field: 'extra' });
    expectError(await api.json('PUT', '/api/me/consents', { body: { marketingEmail: true } }), 401, 'unauthorized');
    const { rows } = await srv.pool.query('SELECT count(*)::int AS n FROM consent_records WHERE user_id = $1', [u.user.id]);
    assert.equal(rows[0].n, 0);
  });
});

describe('account deletion', () => {
  test('a rollup under way when an account is deleted cannot write the fan back: the deletion waits for it', async () => {
    const fan = await registerUser(api);
    const artistId = crypto.randomUUID();
    // A rollup holds the analytics state for its transaction and writes the windows it computed
    // from events read before the deletion.
    const rollup = await srv.pool.connect();
    let deleted = false;
    let pending;
    try {
      await rollup.query('BEGIN');
      await rollup.query('SELECT rolled_until FROM analytics_state FOR UPDATE');
      await rollup.query(
        'INSERT INTO analytics_fan_windows (artist_id, user_id, plays_7d, plays_30d, plays_90d, plays_365d) VALUES ($1, $2, 3, 3, 3, 3)',
        [artistId, fan.user.id],
      );
      pending = api.json('DELETE', '/api/me', { token: fan.token, body: { password: fan.input.password } }).then((res) => {
        deleted = true;
        return res;
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(deleted, false, 'the deletion waits for the rollup under way');
      await rollup.query('COMMIT');
    } catch (err) {
      await rollup.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      rollup.release();
    }
    expectStatus(await pending, 202);
    const { rows } = await srv.pool.query('SELECT count(*)::int AS n FROM analytics_fan_windows WHERE user_id = $1', [fan.user.id]);
    assert.equal(rows[0].n, 0, "the rollup's rows of the fan were erased after it committed");
  });

  test('a fan: personal data goes, comments and messages stay as "deleted user", the ledger is untouched, sessions and sockets end', async () => {
    const w = await world();
    const id = w.fan.user.id;
    const second = await login(api, w.fan.input.email, w.fan.input.password);
    const socket = await WsClient.open(srv);
    await socket.authed(w.fan.token);
    const ledgerBefore = await ledgerState();
    assert.ok(ledgerBefore.length > 0);
    const snapshot = async () => (await srv.pool.query('SELECT username, email, password_hash FROM users WHERE id = $1', [id])).rows[0];
    const untouched = await snapshot();

    expectError(await api.json('DELETE', '/api/me', { token: w.fan.token, body: {} }), 400, 'validation_failed', { field: 'password' });
    expectError(await api.json('DELETE', '/api/me', { token: w.fan.token, body: { password: 'x'.repeat(300) } }), 400, 'validation_failed', { field: 'password' });
    const wrong = expectError(await api.json('DELETE', '/api/me', { token: w.fan.token, body: { password: 'Not-the-password-1' } }), 403, 'invalid_password');
    assert.match(wrong.details.password, /current password/);
    // The superfan membership still renews: it must be cancelled first.
    const active = expectError(await api.json('DELETE', '/api/me', { token: w.fan.token, body: { password: w.fan.input.password } }), 409, 'memberships_active');
    assert.ok(active.details.memberships);
    assert.deepEqual(await snapshot(), untouched, 'refusals change nothing');
    await srv.pool.query('UPDATE subscriptions SET cancel_at_period_end = true WHERE fan_id = $1', [id]);

    const res = expectStatus(await api.json('DELETE', '/api/me', { token: w.fan.token, body: { password: w.fan.input.password } }), 202);
    assert.deepEqual(res, { status: 'deleted' });
    const closed = await socket.closedWith({ timeoutMs: 10_000 });
    assert.equal(closed?.code, 4003, `the socket closed as a session end: ${JSON.stringify(closed)}`);
    expectError(await api.get('/api/auth/me', { token: w.fan.token }), 401, 'invalid_token');
    expectError(await api.get('/api/auth/me', { token: second.token }), 401, 'invalid_token');
    expectError(await api.post('/api/auth/login', { email: w.fan.input.email, password: w.fan.input.password }), 401, 'invalid_credentials');
    // Retrying with the same token: the session is gone, nothing more happens.
    expectError(await api.json('DELETE', '/api/me', { token: w.fan.token, body: { password: w.fan.input.password } }), 401, 'invalid_token');

    const { rows: [u] } = await srv.pool.query('SELECT * FROM users WHERE id = $1', [id]);
    assert.equal(u.username, 'deleted user');
    assert.equal(u.email, `${id}@deleted.invalid`);
    assert.equal(u.password_hash, '!');
    assert.ok(u.deleted_at);

    // Every user-owned table has a policy, and no row anywhere still holds the fan's identity.
    await sweepAfterDeletion(id, [w.fan.input.email, w.fan.input.username, 'From your fan']);

    // What stays, anonymised: the comment, the messages the artist keeps, the money.
    const comments = expectStatus(await api.get(`/api/content/${w.trackId}/comments`), 200);
    const c = comments.comments.find((x) => x.id === w.commentId);
    assert.equal(c.body, 'What a tune');
    assert.equal(c.user.username, 'deleted user');
    const convs = expectStatus(await api.get('/api/messaging/conversations', { token: w.artist.token }), 200);
    const conv = convs.conversations.find((x) => x.id === w.conversationId);
    assert.equal(conv.with.name, 'deleted user');
    const msgs = expectStatus(await api.get(`/api/messaging/conversations/${w.conversationId}/messages`, { token: w.artist.token }), 200);
    assert.deepEqual(msgs.messages.map((m) => m.body).sort(), ['Hello artist', 'Hello fan']);
    const { rows: pay } = await srv.pool.query('SELECT message, amount_cents FROM payments WHERE fan_id = $1', [id]);
    assert.deepEqual(pay.map((p) => [p.message, Number(p.amount_cents)]), [[null, 1000]]);
    assert.deepEqual(await ledgerState(), ledgerBefore, 'every ledger transaction and line is unchanged');
    for (const x of await ledgerState()) assert.equal(Number(x.total), 0);
    const { rows: likeCount } = await srv.pool.query('SELECT like_count FROM tracks WHERE id = $1', [w.trackId]);
    assert.equal(Number(likeCount[0].like_count), 0, 'the like no longer counts');

    // The email and username are free again.
    expectStatus(await api.post('/api/auth/register', { ...w.fan.input }), 201);
  });

  test('an artist: profile, catalog and media go (through a retried storage job); fans keep the conversation', async () => {
    const w = await world();
    const id = w.artist.user.id;
    const bystander = await registerUser(api, { role: 'artist', artistName: `Stay ${uniqueName('a')}` });
    const mediaDir = path.join(srv.varDir, 'media');
    const put = (key) => { fs.mkdirSync(path.dirname(path.join(mediaDir, key)), { recursive: true }); fs.writeFileSync(path.join(mediaDir, key), 'x'); };
    const keys = [`originals/${id}/a.flac`, `images/${id}/avatar-1/64.jpg`, `hls/${w.trackId}/v1/128/index.m3u8`, `artwork/${w.trackId}/v1/64.jpg`];
    const kept = `originals/${bystander.user.id}/b.flac`;
    for (const k of [...keys, kept]) put(k);
    const ledgerBefore = await ledgerState();

    const refused = expectError(await api.json('DELETE', '/api/me', { token: w.artist.token, body: { password: w.artist.input.password } }), 409, 'artist_has_subscribers');
    assert.ok(refused.details.subscribers);
    await srv.pool.query('UPDATE subscriptions SET cancel_at_period_end = true WHERE artist_id = $1', [id]);
    expectStatus(await api.json('DELETE', '/api/me', { token: w.artist.token, body: { password: w.artist.input.password } }), 202);

    const job = await waitFor(async () => (await srv.pool.query(
      "SELECT id, status FROM jobs WHERE kind = 'privacy.purge_storage' AND payload ->> 'user_id' = $1 AND status = 'succeeded'", [id])).rows[0],
    'the storage purge');
    for (const k of keys) assert.ok(!fs.existsSync(path.join(mediaDir, k)), `${k} removed from storage`);
    assert.ok(fs.existsSync(path.join(mediaDir, kept)), 'another artist\'s media stays');
    for (const t of ['releases', 'tracks', 'artist_tiers', 'follows']) {
      const { rows } = await srv.pool.query(`SELECT count(*)::int AS n FROM ${t} WHERE artist_id = $1`, [id]);
      assert.equal(rows[0].n, 0, `${t} of the artist removed`);
    }
    assert.equal((await srv.pool.query('SELECT 1 FROM artist_profiles WHERE user_id = $1', [id])).rowCount, 0);
    expectError(await api.get(`/api/artists/${id}`), 404, 'not_found');
    const convs = expectStatus(await api.get('/api/messaging/conversations', { token: w.fan.token }), 200);
    const conv = convs.conversations.find((x) => x.id === w.conversationId);
    assert.equal(conv.with.name, 'deleted user');
    const msgs = expectStatus(await api.get(`/api/messaging/conversations/${w.conversationId}/messages`, { token: w.fan.token }), 200);
    assert.equal(msgs.messages.length, 2);
    assert.deepEqual(await ledgerState(), ledgerBefore, 'the ledger is unchanged');
    const { rows: pays } = await srv.pool.query('SELECT count(*)::int AS n FROM payments WHERE fan_id = $1', [w.fan.user.id]);
    assert.equal(pays[0].n, 1, 'the fan\'s payment record stays');
    // The same sweep as for a fan: every account column has a policy and nothing personal is left.
    assert.ok((await srv.pool.query('SELECT 1 FROM play_events WHERE user_id = $1', [w.fan.user.id])).rowCount === 0,
      'the fan\'s plays of the deleted artist go with the artist\'s history');
    await sweepAfterDeletion(id, [w.artist.input.email, w.artist.input.username, w.artist.input.artistName]);

    // Safe to retry: the purge runs again (as after a crash) over storage that is already clean.
    put(`originals/${id}/late.flac`);
    await srv.pool.query("UPDATE jobs SET status = 'queued', attempts = 0, run_at = now(), finished_at = NULL WHERE id = $1", [job.id]);
    await waitFor(async () => (await srv.pool.query('SELECT status FROM jobs WHERE id = $1', [job.id])).rows[0].status === 'succeeded', 'the second purge');
    assert.ok(!fs.existsSync(path.join(mediaDir, `originals/${id}/late.flac`)));
  });
});

describe('the deletion policy', () => {
  test('a new table that holds a user id without a foreign key is caught until it has a policy and an export', async () => {
    const before = await userColumns();
    assert.deepEqual(await uncoveredColumns(before), [], 'the schema as migrated is covered');
    await srv.pool.query('CREATE TABLE privacy_probe_notes (fan_id uuid, note text)');
    try {
      const columns = await userColumns();
      assert.deepEqual(columns.get('privacy_probe_notes'), new Map([['fan_id', { fk: false }]]));
      assert.deepEqual(await uncoveredColumns(columns), ['privacy_probe_notes.fan_id'],
        'the deletion tests fail on it (no policy)');
      const u = await registerUser(api);
      const e = expectStatus(await api.json('POST', '/api/me/exports', { token: u.token }), 202);
      const files = readZip((await download((await waitExport(u.token, e.id)).download.url)).body);
      assert.ok((await userOwnedTables()).includes('privacy_probe_notes') && !files.has('privacy_probe_notes.json'),
        'the export test fails on it (not in the archive)');
    } finally {
      await srv.pool.query('DROP TABLE privacy_probe_notes');
    }
  });
});
