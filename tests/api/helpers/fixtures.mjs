// Test data built through the public API, with unique names so tests never collide.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { grantTier } from './db.mjs';
import { describeResponse, expectStatus } from './http.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A username of [a-z0-9_], at most 30 characters, unique per call. */
export function uniqueName(prefix = 'u') {
  return `${prefix}_${crypto.randomBytes(6).toString('hex')}`.slice(0, 30);
}

export function strongPassword() {
  return `Tune-${crypto.randomBytes(8).toString('hex')}-Keys`;
}

export function newUserInput(overrides = {}) {
  const username = uniqueName(overrides.role === 'artist' ? 'art' : 'fan');
  return { username, email: `${username}@example.com`, password: strongPassword(), role: 'fan', ...overrides };
}

/** Registers through POST /api/auth/register; returns {input, token, refreshToken, user, res}. */
export async function registerUser(api, overrides = {}) {
  const input = newUserInput(overrides);
  const res = await api.post('/api/auth/register', input);
  const body = expectStatus(res, 201);
  return { input, token: body.token, refreshToken: body.refreshToken, user: body.user, res };
}

/** Logs in; returns {token, refreshToken, user, res}. */
export async function login(api, email, password, { userAgent } = {}) {
  const headers = userAgent ? { 'user-agent': userAgent } : {};
  const res = await api.json('POST', '/api/auth/login', { body: { email, password }, headers });
  const body = expectStatus(res, 200);
  return { token: body.token, refreshToken: body.refreshToken, user: body.user, res };
}

export async function mailTo(api, email) {
  const res = await api.get('/api/dev/mail');
  const body = expectStatus(res, 200);
  assert.ok(Array.isArray(body.messages), `messages must be an array\n${describeResponse(res)}`);
  const want = email.toLowerCase();
  return body.messages.filter((m) => String(m.to).toLowerCase().includes(want));
}

/**
 * Waits (mail may be sent asynchronously, through the outbox) for a message to `email` whose id is
 * not in `seenIds` and, optionally, whose subject/body matches `match`. Returns the newest such.
 */
export async function waitForMail(api, email, { seenIds = [], match, timeoutMs = 10_000 } = {}) {
  const seen = new Set(seenIds);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fresh = (await mailTo(api, email)).filter((m) => !seen.has(m.id) &&
      (!match || match.test(`${m.subject}\n${m.body}`)));
    if (fresh.length) return fresh[0];
    if (Date.now() >= deadline) assert.fail(`no new mail to ${email} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function mailIds(api, email) {
  return (await mailTo(api, email)).map((m) => m.id);
}

/** The token line of a verification / reset mail: `token: <TOKEN>`. */
export function tokenFromMail(message) {
  const m = /^token: (\S+)\s*$/m.exec(String(message.body));
  assert.ok(m, `no "token: ..." line in mail body:\n${message.body}`);
  return m[1];
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The seven viewers of the authorization matrix for one artist, as access tokens (anonymous:
 * undefined): a free follower, a supporter and a superfan (tiers granted through the
 * subscriptions table), the artist, another artist, and an admin.
 */
export async function matrixViewers(srv, artist) {
  const { api } = srv;
  const follower = await registerUser(api);
  await api.json('POST', `/api/artists/${artist.user.id}/follow`, { token: follower.token });
  const supporter = await registerUser(api);
  await grantTier(srv.pool, supporter.user.id, artist.user.id, 'supporter');
  const superfan = await registerUser(api);
  await grantTier(srv.pool, superfan.user.id, artist.user.id, 'superfan');
  const other = await registerUser(api, { role: 'artist', artistName: `Other ${uniqueName('o')}` });
  const admin = await registerUser(api);
  await srv.pool.query("UPDATE users SET role = 'admin' WHERE id = $1", [admin.user.id]);
  return {
    anonymous: undefined,
    follower: follower.token,
    supporter: supporter.token,
    superfan: superfan.token,
    artist: artist.token,
    otherArtist: other.token,
    admin: (await login(api, admin.input.email, admin.input.password)).token,
  };
}
