// Privacy (SPEC §4.13, docs/privacy.md): the data export (a durable job, a zip of every user-owned
// table, a signed expiring link only the owner gets), account deletion (what goes, what stays
// anonymised, the ledger untouched, sessions and sockets closed, media removed, safe to retry) and
// the marketing consent records.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from './helpers/server.mjs';
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

// Every table with a foreign key to an account (users or artist_profiles), read from the schema:
// a new table shows up here and must be covered by the export and by the deletion policy.
async function userOwnedTables() {
  const { rows } = await srv.pool.query(`
    SELECT DISTINCT c.conrelid::regclass::text AS t
      FROM pg_constraint c
     WHERE c.contype = 'f' AND c.confrelid IN ('users'::regclass, 'artist_profiles'::regclass)
     ORDER BY 1`);
  return ['users', ...rows.map((r) => r.t)];
}

// What deletion does with each user-owned table (docs/privacy.md "Account deletion"). A table not
// listed fails the deletion test: decide its policy, implement it, then list it here.
const DELETION_POLICY = {
  users: 'tombstone', // the row stays as "deleted user": no personal field left
  artist_profiles: 'removed',
  sessions: 'removed',
  account_tokens: 'removed',
  follows: 'removed',
  artist_tiers: 'removed',
  subscriptions: 'kept', // the money record of a membership; points at the tombstone
  releases: 'removed',
  tracks: 'removed',
  likes: 'removed',
  plays: 'anonymised', // user_id set null: play counts stay
  comments: 'kept', // shown as "deleted user"
  comment_reports: 'removed', // written only by the release before 0020 (copied into reports)
  reports: 'removed', // the ones they filed, and the ones about their account
  feature_flag_users: 'removed',
  upload_sessions: 'removed',
  provider_customers: 'removed',
  provider_prices: 'removed',
  payout_accounts: 'removed',
  checkouts: 'kept', // message removed
  payments: 'kept', // message removed; ledger references stay
  payouts: 'kept',
  conversations: 'kept', // the other party keeps the conversation
  conversation_members: 'kept',
  messages: 'kept', // sender is the tombstone
  user_blocks: 'removed',
  dm_quota: 'removed',
  notifications: 'removed',
  notification_preferences: 'removed',
  parties: 'removed',
  party_cohosts: 'removed',
  party_mutes: 'removed',
  party_messages: 'removed',
  consent_records: 'kept', // proof of consent, without address or browser
  data_exports: 'removed',
  posts: 'removed', // with the artist's page
  post_likes: 'removed',
  purchases: 'kept', // the buyer's record of a sale; points at the tombstone
};

// The column(s) of each table that point at the account.
async function fkColumns() {
  const { rows } = await srv.pool.query(`
    SELECT c.conrelid::regclass::text AS t, a.attname AS col
      FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
     WHERE c.contype = 'f' AND c.confrelid IN ('users'::regclass, 'artist_profiles'::regclass)`);
  const out = new Map([['users', ['id']]]);
  for (const r of rows) out.set(r.t, [...(out.get(r.t) ?? []), r.col]);
  return out;
}

async function rowsOf(table, cols, id) {
  const where = cols.map((c) => `"${c}" = $1`).join(' OR ');
  const { rows } = await srv.pool.query(`SELECT row_to_json(t)::text AS j FROM "${table}" t WHERE ${where}`, [id]);
  return rows.map((r) => r.j);
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
  const track = expectStatus(await api.json('POST', `/api/releases/${rel.id}/tracks`, { token: artist.token, body: { title: 'Song' } }), 201);
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
    for (const name of files.keys()) assert.match(name, /^(README\.txt|[a-z_]+\.json)$/, `a well-named file: ${name}`);
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
    const cols = await fkColumns();
    for (const t of await userOwnedTables()) {
      assert.ok(DELETION_POLICY[t], `table ${t} refers to accounts but has no deletion policy (docs/privacy.md)`);
      const rows = await rowsOf(t, cols.get(t), id);
      if (DELETION_POLICY[t] === 'removed') assert.equal(rows.length, 0, `${t}: the fan's rows are removed`);
      for (const r of rows) {
        for (const pii of [w.fan.input.email, w.fan.input.username, 'From your fan', '127.0.0.1']) {
          assert.ok(!r.includes(pii), `${t} still holds "${pii}": ${r}`);
        }
      }
    }
    const { rows: pl } = await srv.pool.query("SELECT count(*)::int AS n FROM play_windows WHERE listener_key = 'u:' || $1", [id]);
    assert.equal(pl[0].n, 0);

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

    // Safe to retry: the purge runs again (as after a crash) over storage that is already clean.
    put(`originals/${id}/late.flac`);
    await srv.pool.query("UPDATE jobs SET status = 'queued', attempts = 0, run_at = now(), finished_at = NULL WHERE id = $1", [job.id]);
    await waitFor(async () => (await srv.pool.query('SELECT status FROM jobs WHERE id = $1', [job.id])).rows[0].status === 'succeeded', 'the second purge');
    assert.ok(!fs.existsSync(path.join(mediaDir, `originals/${id}/late.flac`)));
  });
});
