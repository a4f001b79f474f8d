// Admin basics (SPEC §4.12, docs/admin.md): admins come only from the command line; suspending an
// account ends its sessions and sign-ins until it is restored; every admin and security-relevant
// action has an audit entry written with it, readable by admins and never changeable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BINARY, startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { login, registerUser, strongPassword, uniqueName } from './helpers/fixtures.mjs';
import { WsClient } from './helpers/ws.mjs';

let srv;
let api;
let admin;

function adminCreate(args, input) {
  const env = { ...process.env, APP_ENV: 'development', VAR_DIR: srv.varDir, DATABASE_URL: srv.dbUrl, LOG_LEVEL: 'warn' };
  return spawnSync(BINARY, ['admin', 'create', ...args], { input, env, encoding: 'utf8', timeout: 60_000 });
}

async function makeAdmin() {
  const username = uniqueName('adm');
  const email = `${username}@example.com`;
  const password = strongPassword();
  const r = adminCreate(['--email', email, '--username', username], `${password}\n`);
  assert.equal(r.status, 0, `admin create failed: ${r.stderr}`);
  const id = r.stdout.trim();
  const session = await login(api, email, password);
  return { id, email, username, password, token: session.token };
}

const audit = async (where, params) =>
  (await srv.pool.query(`SELECT * FROM audit_log WHERE ${where} ORDER BY id`, params)).rows;

before(async () => {
  srv = await startServer({ name: 'admin' });
  api = srv.api;
  admin = await makeAdmin();
});
after(async () => {
  await srv?.stop();
});

describe('admin accounts from the command line only', () => {
  test('admin create makes a verified admin and audits it; bad input creates nothing', async () => {
    const me = expectStatus(await api.get('/api/auth/me', { token: admin.token }), 200);
    assert.equal(me.role, 'admin');
    assert.equal(me.emailVerified, true);
    const [entry] = await audit("action = 'admin.created' AND target_id = $1", [admin.id]);
    assert.equal(entry.actor_id, null, 'made by the command line');
    assert.equal(entry.target_type, 'user');

    const before = (await srv.pool.query("SELECT count(*)::int AS n FROM users WHERE role = 'admin'")).rows[0].n;
    const weak = adminCreate(['--email', `${uniqueName('w')}@example.com`, '--username', uniqueName('w')], 'password\n');
    assert.equal(weak.status, 1);
    assert.match(weak.stderr, /password:/);
    const taken = adminCreate(['--email', admin.email, '--username', uniqueName('t')], `${strongPassword()}\n`);
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, /email/i);
    const noEmail = adminCreate(['--username', uniqueName('n')], `${strongPassword()}\n`);
    assert.equal(noEmail.status, 2);
    const noPassword = adminCreate(['--email', `${uniqueName('p')}@example.com`, '--username', uniqueName('p')], '');
    assert.equal(noPassword.status, 2);
    const after = (await srv.pool.query("SELECT count(*)::int AS n FROM users WHERE role = 'admin'")).rows[0].n;
    assert.equal(after, before);
  });

  test('sign-up cannot make an admin', async () => {
    const input = { username: uniqueName('x'), email: `${uniqueName('x')}@example.com`, password: strongPassword(), role: 'admin' };
    expectError(await api.post('/api/auth/register', input), 400, 'validation_failed', { field: 'role' });
  });
});

describe('suspend and restore', () => {
  test('a suspended user is signed out everywhere and cannot sign in until restored; both are audited', async () => {
    const fan = await registerUser(api);
    const other = await login(api, fan.input.email, fan.input.password);
    const socket = await WsClient.open(srv);
    await socket.authed(fan.token);
    const path = `/api/admin/users/${fan.user.id}/suspend`;

    expectError(await api.post(path, {}, { token: other.token }), 403, 'forbidden');
    expectError(await api.post(`/api/admin/users/${crypto.randomUUID()}/suspend`, {}, { token: admin.token }), 404, 'not_found');
    expectError(await api.post(`/api/admin/users/${admin.id}/suspend`, {}, { token: admin.token }), 409, 'cannot_suspend_self');
    expectError(await api.post(path, { reason: 'x'.repeat(501) }, { token: admin.token }), 400, 'validation_failed', { field: 'reason' });
    assert.equal((await audit('target_id = $1', [fan.user.id])).length, 0, 'refusals write no entry');

    const done = expectStatus(await api.json('POST', path, { token: admin.token, body: { reason: 'spam' }, headers: { 'user-agent': 'admin-console-test' } }), 200);
    assert.deepEqual(done, { id: fan.user.id, suspended: true });
    const closed = await socket.closedWith({ timeoutMs: 10_000 });
    assert.equal(closed?.code, 4003, JSON.stringify(closed));
    expectError(await api.get('/api/auth/me', { token: fan.token }), 401, 'invalid_token');
    expectError(await api.get('/api/auth/me', { token: other.token }), 401, 'invalid_token');
    expectError(await api.post('/api/auth/refresh', { refreshToken: fan.refreshToken }), 401, 'invalid_refresh_token');
    expectError(await api.post('/api/auth/login', { email: fan.input.email, password: fan.input.password }), 403, 'account_suspended');
    expectError(await api.post('/api/auth/login', { email: fan.input.email, password: 'Wrong-password-1' }), 401, 'invalid_credentials');
    expectStatus(await api.post(path, {}, { token: admin.token }), 200); // again: nothing more happens

    // The wrong password is a security event of its own (the right one, refused for the suspension,
    // is not a failed sign-in).
    assert.deepEqual((await audit("target_id = $1 AND action = 'login.failed'", [fan.user.id])).length, 1);
    const entries = await audit("target_id = $1 AND action LIKE 'user.%'", [fan.user.id]);
    assert.deepEqual(entries.map((e) => e.action), ['user.suspended']);
    assert.equal(entries[0].actor_id, admin.id);
    assert.equal(entries[0].actor_role, 'admin');
    assert.equal(entries[0].user_agent, 'admin-console-test');
    assert.ok(entries[0].ip);
    assert.equal(entries[0].details.reason, 'spam');
    assert.equal(entries[0].details.sessionsEnded, 2);

    expectStatus(await api.post(`/api/admin/users/${fan.user.id}/restore`, {}, { token: admin.token }), 200);
    expectStatus(await api.post('/api/auth/login', { email: fan.input.email, password: fan.input.password }), 200);
    assert.deepEqual((await audit("target_id = $1 AND action LIKE 'user.%'", [fan.user.id])).map((e) => e.action),
      ['user.suspended', 'user.restored']);
  });
});

describe('the audit log', () => {
  test('admins read it newest first, filtered and paged; others may not', async () => {
    const fan = await registerUser(api);
    expectStatus(await api.post(`/api/admin/users/${fan.user.id}/suspend`, {}, { token: admin.token }), 200);
    expectStatus(await api.post(`/api/admin/users/${fan.user.id}/restore`, {}, { token: admin.token }), 200);
    const stranger = await registerUser(api);
    expectError(await api.get('/api/admin/audit', { token: stranger.token }), 403, 'forbidden');
    expectError(await api.get('/api/admin/audit'), 401, 'unauthorized');
    const all = expectStatus(await api.get('/api/admin/audit', { token: admin.token }), 200);
    const ids = all.entries.map((e) => Number(e.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    const mine = expectStatus(await api.get(`/api/admin/audit?targetId=${fan.user.id}`, { token: admin.token }), 200);
    assert.deepEqual(mine.entries.map((e) => e.action), ['user.restored', 'user.suspended']);
    assert.equal(mine.entries[0].actorId, admin.id);
    const first = expectStatus(await api.get(`/api/admin/audit?targetId=${fan.user.id}&limit=1`, { token: admin.token }), 200);
    assert.equal(first.entries.length, 1);
    assert.ok(first.nextCursor);
    const second = expectStatus(await api.get(`/api/admin/audit?targetId=${fan.user.id}&limit=1&cursor=${first.nextCursor}`, { token: admin.token }), 200);
    assert.equal(second.entries[0].action, 'user.suspended');
    const byAction = expectStatus(await api.get(`/api/admin/audit?action=user.restored&actorId=${admin.id}`, { token: admin.token }), 200);
    assert.ok(byAction.entries.length >= 1);
    assert.ok(byAction.entries.every((e) => e.action === 'user.restored' && e.actorId === admin.id));
    for (const [q, field] of [['actorId=nope', 'actorId'], ['action=DROP%20TABLE', 'action'], ['limit=0', 'limit'], ['cursor=abc', 'cursor']]) {
      expectError(await api.get(`/api/admin/audit?${q}`, { token: admin.token }), 400, 'invalid_query', { field });
    }
  });

  test('entries cannot be changed or removed: the database refuses', async () => {
    const [row] = await audit('true', []);
    for (const sql of ['UPDATE audit_log SET action = \'x.y\' WHERE id = $1', 'DELETE FROM audit_log WHERE id = $1']) {
      await assert.rejects(srv.pool.query(sql, [row.id]), (e) => e.constraint === 'audit_log_append_only');
    }
    await assert.rejects(srv.pool.query('TRUNCATE audit_log'), (e) => e.constraint === 'audit_log_append_only');
    const [same] = await audit('id = $1', [row.id]);
    assert.deepEqual(same, row);
  });

  test('security-relevant user actions are audited in their own transaction: export requests and account deletion', async () => {
    const u = await registerUser(api);
    const e = expectStatus(await api.json('POST', '/api/me/exports', { token: u.token }), 202);
    expectError(await api.json('DELETE', '/api/me', { token: u.token, body: { password: 'Wrong-password-1' } }), 403, 'invalid_password');
    expectStatus(await api.json('DELETE', '/api/me', { token: u.token, body: { password: u.input.password } }), 202);
    const entries = await audit('actor_id = $1', [u.user.id]);
    assert.deepEqual(entries.map((x) => [x.action, x.target_id]), [['data_export.requested', e.id], ['account.deleted', u.user.id]]);
  });
});
