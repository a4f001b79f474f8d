// Process lifecycle (graceful drain on SIGTERM) and email over real SMTP.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectStatus } from './helpers/http.mjs';
import { newUserInput, tokenFromMail } from './helpers/fixtures.mjs';
import { startSmtpSink } from './helpers/smtp_sink.mjs';

describe('graceful shutdown', () => {
  test('SIGTERM lets in-flight requests finish, refuses new connections, and exits 0', async () => {
    const srv = await startServer({ name: 'drain' });
    try {
      // Registrations take argon2id time each, so several are still in flight when SIGTERM lands.
      const inputs = Array.from({ length: 6 }, () => newUserInput());
      const inflight = inputs.map((body) => srv.api.json('POST', '/api/auth/register', { body }));
      await new Promise((r) => setTimeout(r, 100));
      srv.exitExpected = true;
      srv.proc.kill('SIGTERM');
      const results = await Promise.all(inflight);
      for (const res of results) expectStatus(res, 201);
      await new Promise((r) => setTimeout(r, 100));
      await assert.rejects(fetch(`${srv.baseUrl}/health`, { signal: AbortSignal.timeout(2000) }),
        'a new connection after SIGTERM is refused');
      const { code } = await srv.exit;
      assert.equal(code, 0);
      await srv.restart();
      for (const body of inputs) {
        const { rows } = await srv.pool.query('SELECT 1 FROM users WHERE username = $1', [body.username]);
        assert.equal(rows.length, 1, `${body.username} was acknowledged and must exist`);
      }
    } finally {
      await srv.stop();
    }
  });
});

describe('email over SMTP (SMTP_URL set)', () => {
  let sink;
  let srv;
  after(async () => {
    await srv?.stop();
    await sink?.close();
  });

  test('the verification email travels over SMTP and its token verifies the address', async () => {
    sink = await startSmtpSink();
    srv = await startServer({ name: 'smtp', env: { SMTP_URL: `smtp://127.0.0.1:${sink.port}`, SMTP_FROM: 'no-reply@test.local' } });
    const input = newUserInput();
    const reg = expectStatus(await srv.api.json('POST', '/api/auth/register', { body: input }), 201);
    const deadline = Date.now() + 10_000;
    while (!sink.messages.some((m) => m.to.includes(`<${input.email}>`)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const message = sink.messages.find((m) => m.to.includes(`<${input.email}>`));
    assert.ok(message, 'an SMTP message reached the sink');
    assert.equal(message.from, '<no-reply@test.local>');
    assert.match(message.data, /^Subject: Verify your MusicConnect email\r?$/m);
    const token = tokenFromMail({ body: message.data.replace(/\r/g, '') });
    const verified = expectStatus(await srv.api.json('POST', '/api/auth/verify-email', { body: { token } }), 200);
    assert.equal(verified.emailVerified, true);
    assert.equal(verified.id, reg.user.id);
    const dev = expectStatus(await srv.api.get('/api/dev/mail'), 200);
    assert.equal(dev.messages.length, 0, 'with SMTP configured nothing goes to the file sink');
  });
});
