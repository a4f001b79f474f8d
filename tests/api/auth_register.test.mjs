// POST /api/auth/register: accounts are created only from valid input; anything else writes nothing.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from './helpers/server.mjs';
import { expectConsistencyToken, expectError, expectStatus } from './helpers/http.mjs';
import { assertCountsChanged, assertNothingWritten, snapshot, userByUsername } from './helpers/db.mjs';
import { decodeJwt } from './helpers/jwt.mjs';
import { newUserInput, registerUser, UUID_RE } from './helpers/fixtures.mjs';

let srv;
let api;
before(async () => {
  srv = await startServer({ name: 'register' });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

/** Sends a register request that must fail with status/code and write nothing. */
async function registerRefused(opts, status, code, field) {
  const before = await snapshot(srv.pool);
  const res = await api.json('POST', '/api/auth/register', opts);
  const error = expectError(res, status, code, { field });
  await assertNothingWritten(srv.pool, before, { context: `after ${JSON.stringify(opts).slice(0, 200)}` });
  return error;
}

describe('register success', () => {
  test('registering a fan answers 201 with token, refreshToken and the user object', async () => {
    const before = await snapshot(srv.pool);
    const input = newUserInput();
    const res = await api.post('/api/auth/register', input);
    const body = expectStatus(res, 201);
    assert.equal(typeof body.token, 'string');
    assert.equal(typeof body.refreshToken, 'string');
    assert.ok(body.refreshToken.length >= 32, 'refresh token should be long and opaque');
    const u = body.user;
    assert.match(u.id, UUID_RE);
    assert.equal(u.username, input.username);
    assert.equal(u.email, input.email);
    assert.equal(u.role, 'fan');
    assert.equal(u.emailVerified, false);
    assert.equal(u.artistName, null);
    assert.equal(u.artistSlug, null);
    assert.equal(u.genre, null);
    assert.ok(!Number.isNaN(Date.parse(u.createdAt)), `createdAt must be a timestamp: ${u.createdAt}`);
    assert.ok(!('password' in u) && !('passwordHash' in u) && !('password_hash' in u), 'no password in user');
    expectConsistencyToken(res);
    // one user, its first session and refresh token, and an email-verification token
    await assertCountsChanged(srv.pool, before, { users: 1, sessions: 1, refresh_tokens: 1, account_tokens: 1 });
  });

  test('the password is stored as an argon2id hash, never in clear', async () => {
    const { input } = await registerUser(api);
    const row = await userByUsername(srv.pool, input.username);
    assert.match(row.password_hash, /^\$argon2id\$/);
    assert.ok(!row.password_hash.includes(input.password));
  });

  test('the access token is an HS256 JWT with kid, sub, sid, role, iss and a 15 minute lifetime', async () => {
    const { token, user } = await registerUser(api);
    const { header, payload } = decodeJwt(token);
    assert.equal(header.alg, 'HS256');
    assert.equal(typeof header.kid, 'string');
    assert.ok(header.kid.length > 0);
    assert.equal(payload.sub, user.id);
    assert.match(payload.sid, UUID_RE);
    assert.equal(payload.role, 'fan');
    assert.equal(payload.iss, 'musicconnect');
    assert.equal(payload.exp - payload.iat, 15 * 60);
    assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 60, 'iat is now');
  });

  test('the registered user can call GET /api/auth/me with the returned token', async () => {
    const { token, user } = await registerUser(api);
    const me = expectStatus(await api.get('/api/auth/me', { token }), 200);
    assert.deepEqual(me, user);
  });

  test('registering an artist creates an artist_profiles row and returns artistName and artistSlug', async () => {
    const before = await snapshot(srv.pool);
    const input = newUserInput({ role: 'artist', artistName: 'The Velvet Test Tones' });
    const res = await api.post('/api/auth/register', input);
    const { user } = expectStatus(res, 201);
    assert.equal(user.role, 'artist');
    assert.equal(user.artistName, 'The Velvet Test Tones');
    assert.equal(typeof user.artistSlug, 'string');
    assert.match(user.artistSlug, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    await assertCountsChanged(srv.pool, before,
      { users: 1, artist_profiles: 1, sessions: 1, refresh_tokens: 1, account_tokens: 1 });
    const { rows } = await srv.pool.query('SELECT * FROM artist_profiles WHERE user_id = $1', [user.id]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].stage_name, 'The Velvet Test Tones');
    assert.equal(rows[0].slug, user.artistSlug);
  });

  test('an artist may give a genre from GET /api/genres', async () => {
    const res = await api.get('/api/genres');
    const body = expectStatus(res, 200);
    const list = Array.isArray(body) ? body : body.genres;
    assert.ok(Array.isArray(list) && list.length > 0, 'GET /api/genres lists genres');
    const first = list[0];
    const genre = typeof first === 'string' ? first : (first.slug ?? first.id ?? first.name);
    const { user } = await registerUser(api, { role: 'artist', artistName: 'Genre Band', genre });
    assert.equal(user.genre, genre);
    const { rows } = await srv.pool.query('SELECT genre FROM artist_profiles WHERE user_id = $1', [user.id]);
    assert.equal(rows[0].genre, genre);
  });

  test('a Content-Type with a charset parameter is accepted', async () => {
    const input = newUserInput();
    const res = await api.json('POST', '/api/auth/register',
      { body: input, contentType: 'application/json; charset=utf-8' });
    expectStatus(res, 201);
  });
});

describe('register refuses bad bodies and writes nothing', () => {
  test('malformed JSON → 400 invalid_json', async () => {
    await registerRefused({ rawBody: '{"username": "abc", ', contentType: 'application/json' }, 400, 'invalid_json');
  });

  test('a JSON body that is not an object → 400 invalid_json', async () => {
    for (const raw of ['[]', '"fan"', 'null', '42']) {
      await registerRefused({ rawBody: raw, contentType: 'application/json' }, 400, 'invalid_json');
    }
  });

  test('an empty body → 400 invalid_json', async () => {
    await registerRefused({ rawBody: '', contentType: 'application/json' }, 400, 'invalid_json');
  });

  test('a body over 1 MiB → 413 payload_too_large', async () => {
    const input = { ...newUserInput(), padding: 'x'.repeat(1024 * 1024 + 16) };
    await registerRefused({ body: input }, 413, 'payload_too_large');
  });

  test('a text/plain body → 415 unsupported_media_type', async () => {
    await registerRefused({ rawBody: JSON.stringify(newUserInput()), contentType: 'text/plain' },
      415, 'unsupported_media_type');
  });

  test('a form-encoded body → 415 unsupported_media_type', async () => {
    const u = newUserInput();
    const form = new URLSearchParams(u).toString();
    await registerRefused({ rawBody: form, contentType: 'application/x-www-form-urlencoded' },
      415, 'unsupported_media_type');
  });

  test('a body without Content-Type → 415 unsupported_media_type', async () => {
    await registerRefused({ rawBody: JSON.stringify(newUserInput()) }, 415, 'unsupported_media_type');
  });

  for (const field of ['username', 'email', 'password']) {
    test(`missing ${field} → 400 validation_failed naming ${field}`, async () => {
      const input = newUserInput();
      delete input[field];
      await registerRefused({ body: input }, 400, 'validation_failed', field);
    });
  }

  test('an empty object → 400 validation_failed naming username, email and password', async () => {
    await registerRefused({ body: {} }, 400, 'validation_failed', ['username', 'email', 'password']);
  });

  const wrongTypes = {
    username: 12345,
    email: ['a@example.com'],
    password: { value: 'Tune-long-enough-Keys' },
    role: true,
    artistName: 7,
  };
  for (const [field, value] of Object.entries(wrongTypes)) {
    test(`${field} of the wrong type (${JSON.stringify(value)}) → 400 validation_failed naming ${field}`, async () => {
      const input = newUserInput(field === 'artistName' ? { role: 'artist' } : {});
      input[field] = value;
      await registerRefused({ body: input }, 400, 'validation_failed', field);
    });
  }

  test('null for a required field → 400 validation_failed naming it', async () => {
    await registerRefused({ body: { ...newUserInput(), email: null } }, 400, 'validation_failed', 'email');
  });

  test('an unknown field → 400 validation_failed naming it', async () => {
    await registerRefused({ body: { ...newUserInput(), isAdmin: true } }, 400, 'validation_failed', 'isAdmin');
  });

  test('role "admin" cannot be self-registered → 400 validation_failed naming role', async () => {
    await registerRefused({ body: newUserInput({ role: 'admin' }) }, 400, 'validation_failed', 'role');
  });

  test('an unknown role → 400 validation_failed naming role', async () => {
    await registerRefused({ body: newUserInput({ role: 'superuser' }) }, 400, 'validation_failed', 'role');
  });
});

describe('register validates every field', () => {
  const badUsernames = {
    'uppercase letters': 'Ada_Lovelace',
    'too short (2)': 'ab',
    'too long (31)': 'a'.repeat(31),
    'a hyphen': 'ada-l',
    'a space': 'ada l',
    'non-ASCII': 'adà_l',
  };
  for (const [why, username] of Object.entries(badUsernames)) {
    test(`a username with ${why} → 400 validation_failed naming username`, async () => {
      await registerRefused({ body: { ...newUserInput(), username } }, 400, 'validation_failed', 'username');
    });
  }

  test('usernames of exactly 3 and 30 characters are accepted', async () => {
    const short = crypto.randomBytes(2).toString('hex').slice(0, 3);
    await registerUser(api, { username: short, email: `${short}_${crypto.randomBytes(4).toString('hex')}@example.com` });
    const long = `l${crypto.randomBytes(15).toString('hex')}`.slice(0, 30);
    assert.equal(long.length, 30);
    await registerUser(api, { username: long, email: `${long}@example.com` });
  });

  const badEmails = {
    'no at sign': 'not-an-email',
    'no domain': 'someone@',
    'no local part': '@example.com',
    'spaces': 'some one@example.com',
    'over 254 characters': `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`,
  };
  for (const [why, email] of Object.entries(badEmails)) {
    test(`an email with ${why} → 400 validation_failed naming email`, async () => {
      await registerRefused({ body: { ...newUserInput(), email } }, 400, 'validation_failed', 'email');
    });
  }

  const badPasswords = {
    'common "password123"': 'password123',
    'common "1234567890"': '1234567890',
    'shorter than 10 characters': 'Sh0rt-pw!',
    'longer than 256 characters': 'x7-'.repeat(86) + 'zz',
  };
  for (const [why, password] of Object.entries(badPasswords)) {
    test(`a password ${why} → 400 validation_failed naming password`, async () => {
      await registerRefused({ body: { ...newUserInput(), password } }, 400, 'validation_failed', 'password');
    });
  }

  test('a guessable password ("password12", a keyboard run, a sequence) → 400 saying it is too easy to guess and why', async () => {
    for (const [password, why] of [['password12', /common word/], ['qwertyuiop12', /./], ['abcdefghij1', /sequence/]]) {
      const error = await registerRefused({ body: { ...newUserInput(), password } }, 400, 'validation_failed', 'password');
      assert.match(error.details.password, /too easy to guess/, password);
      assert.match(error.details.password, why, password);
    }
  });

  test('the documented example passwords are accepted ("analytical engine", "demo-password-1")', async () => {
    for (const password of ['analytical engine', 'demo-password-1']) {
      expectStatus(await api.post('/api/auth/register', { ...newUserInput(), password }), 201);
    }
  });

  test('an artist without artistName → 400 validation_failed naming artistName', async () => {
    await registerRefused({ body: newUserInput({ role: 'artist' }) }, 400, 'validation_failed', 'artistName');
  });

  test('an empty or over-100-character artistName → 400 validation_failed naming artistName', async () => {
    for (const artistName of ['', 'n'.repeat(101)]) {
      await registerRefused({ body: newUserInput({ role: 'artist', artistName }) }, 400, 'validation_failed', 'artistName');
    }
  });

  test('a genre outside the fixed list → 400 validation_failed naming genre', async () => {
    await registerRefused({ body: newUserInput({ role: 'artist', artistName: 'X', genre: 'not-a-genre-xyz' }) },
      400, 'validation_failed', 'genre');
  });
});

describe('register uniqueness', () => {
  test('an email already taken, in any letter case → 409 email_taken', async () => {
    const { input } = await registerUser(api);
    const other = newUserInput({ email: input.email.toUpperCase() });
    await registerRefused({ body: other }, 409, 'email_taken');
    const same = newUserInput({ email: input.email });
    await registerRefused({ body: same }, 409, 'email_taken');
  });

  test('a username already taken → 409 username_taken', async () => {
    const { input } = await registerUser(api);
    const other = newUserInput({ username: input.username });
    await registerRefused({ body: other }, 409, 'username_taken');
  });
});

// Reads one unlabelled counter or gauge from /metrics.
async function metric(server, name) {
  const res = await server.api.get('/metrics');
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} in /metrics`);
  return Number(line.split(' ')[1]);
}

describe('password hashing after cheap checks, on a bounded pool of its own', () => {
  test('a taken email or username, or an invalid reset link, is refused without hashing anything', async () => {
    const { input } = await registerUser(api);
    const hashes = await metric(srv, 'mc_password_hash_jobs_total');
    expectError(await api.post('/api/auth/register', newUserInput({ email: input.email })), 409, 'email_taken');
    expectError(await api.post('/api/auth/register', newUserInput({ username: input.username })), 409, 'username_taken');
    expectError(await api.post('/api/auth/password/reset', { token: 'no-such-token', password: 'a-fine-new-passphrase' }),
      400, 'invalid_or_expired_token');
    assert.equal(await metric(srv, 'mc_password_hash_jobs_total'), hashes, 'no argon2id work was done');
  });

  test('a burst beyond PASSWORD_HASH_QUEUE gets 503 unavailable with Retry-After while other routes keep answering', async () => {
    const small = await startServer({ name: 'hashpool', env: { PASSWORD_HASH_THREADS: '1', PASSWORD_HASH_QUEUE: '2' } });
    try {
      const inputs = Array.from({ length: 16 }, () => newUserInput());
      const burst = inputs.map((body) => small.api.post('/api/auth/register', body));
      const meanwhile = await small.api.get('/api/genres');
      const answers = await Promise.all(burst);
      expectStatus(meanwhile, 200);
      const statuses = answers.map((r) => r.status);
      assert.ok(statuses.every((s) => s === 201 || s === 503), `statuses: ${statuses.join(' ')}`);
      const refused = answers.filter((r) => r.status === 503);
      assert.ok(refused.length >= 1, `some sign-ups were refused: ${statuses.join(' ')}`);
      for (const r of refused) {
        expectError(r, 503, 'unavailable');
        assert.equal(r.headers.get('retry-after'), '1');
      }
      assert.equal(await metric(small, 'mc_password_hash_refused_total'), refused.length);
      // Refused sign-ups wrote nothing; the pool recovers once the burst is over.
      const { rows } = await small.pool.query('SELECT count(*)::int AS n FROM users WHERE username = ANY($1)',
        [inputs.map((i) => i.username)]);
      assert.equal(rows[0].n, statuses.filter((s) => s === 201).length);
      expectStatus(await small.api.post('/api/auth/register', newUserInput()), 201);
    } finally {
      await small.stop();
    }
  });
});
