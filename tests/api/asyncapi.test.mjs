// docs/api/asyncapi.yaml against the gateway: the document lists exactly the ops the code reads and
// writes, and every message the server sends in a scripted session (one of each kind, the drain at
// shutdown included) validates against the document's schema for it.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { REPO_ROOT, startServer } from './helpers/server.mjs';
import { expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { grantTier } from './helpers/db.mjs';
import { makeAudio, scratchDir, uploadMultipart, waitForTrack } from './helpers/media.mjs';
import { WsClient } from './helpers/ws.mjs';
import { decodeJwt } from './helpers/jwt.mjs';

const doc = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, 'docs/api/asyncapi.yaml'), 'utf8'));
const source = (f) => fs.readFileSync(path.join(REPO_ROOT, 'src/realtime', f), 'utf8');

// JSON pointer refs inside the document, resolved.
function resolve(node) {
  if (Array.isArray(node)) return node.map(resolve);
  if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
      let target = doc;
      for (const part of node.$ref.slice(2).split('/')) target = target[part];
      return resolve(target);
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v)]));
  }
  return node;
}

// {op name → payload schema} for one direction: 'receive' (clients send) or 'send' (server sends).
function opsOf(action) {
  const out = new Map();
  for (const operation of Object.values(doc.operations)) {
    if (operation.action !== action) continue;
    for (const m of resolve(operation.messages)) out.set(m.payload.properties.op.const, m.payload);
  }
  return out;
}

const clientOps = opsOf('receive');
const serverOps = opsOf('send');

test('the document is AsyncAPI 3 and every operation names a message of its channel', () => {
  assert.equal(doc.asyncapi, '3.0.0');
  for (const [name, op] of Object.entries(doc.operations)) {
    assert.ok(['send', 'receive'].includes(op.action), name);
    assert.equal(op.channel.$ref, '#/channels/socket', name);
    for (const m of op.messages) assert.match(m.$ref, /^#\/channels\/socket\/messages\//, name);
  }
});

test('it lists exactly the ops the code reads and writes', () => {
  const read = [...source('protocol.cpp').matchAll(/case ClientOp::\w+:\s*return "([\w.]+)"/g)].map((m) => m[1]);
  assert.deepEqual([...clientOps.keys()].sort(), [...new Set(read)].sort());
  const written = new Set(['event']); // event_frame
  for (const f of ['protocol.cpp', 'gateway.cpp']) {
    for (const m of source(f).matchAll(/reply_frame\(\s*"([\w.]+)"/g)) written.add(m[1]);
  }
  assert.deepEqual([...serverOps.keys()].sort(), [...written].sort());
});

let srv;
let dir;
before(async () => {
  // Short-lived access tokens: the expiry warning comes within seconds.
  srv = await startServer({ name: 'asyncapi', env: { ACCESS_TOKEN_TTL_S: '63' } });
  dir = await scratchDir('asyncapi');
});
after(async () => {
  if (srv?.running) await srv.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

test('every message the server sends validates against the document, one of each kind', async () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validators = new Map([...serverOps].map(([op, schema]) => [op, ajv.compile(schema)]));

  const api = srv.api;
  const artist = await registerUser(api, { role: 'artist', artistName: 'Spec Artist' });
  const me = `user:${decodeJwt(artist.token).payload.sub}`;
  const c = await WsClient.open(srv);
  await c.authed(artist.token);
  const { data: { offset } } = await c.request('sub', { ch: me });
  await c.request('ping', { data: { t: 1 } });
  await c.request('sub', { ch: 'nowhere:1' });
  await c.request('unsub', { ch: me });

  // Channel events, then a resume from before what "retention deleted" (reload).
  await c.request('sub', { ch: me });
  const releaseId = expectStatus(await api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Spec', kind: 'single' },
  }), 201).id;
  const file = await makeAudio(dir, 'flac', 2);
  const { track } = expectStatus(await uploadMultipart(srv, artist.token, file, { releaseId, title: 'Spec' }), 202);
  await waitForTrack(api, artist.token, track.id);
  await c.next((m) => m.op === 'event' && m.data.payload.status === 'ready');

  // A supporter in a supporters' party loses the tier: the socket is told it left the channel.
  const fan = await registerUser(api);
  await grantTier(srv.pool, fan.user.id, artist.user.id, 'supporter');
  const party = expectStatus(await api.json('POST', '/api/parties', {
    token: artist.token, body: { title: 'Spec party', trackIds: [track.id], minTier: 'supporter', startNow: true },
  }), 201);
  const listener = await WsClient.open(srv);
  await listener.authed(fan.token);
  assert.equal((await listener.request('sub', { ch: `party:${party.id}` })).op, 'ok');
  await srv.pool.query('DELETE FROM subscriptions WHERE fan_id = $1', [fan.user.id]);
  await srv.pool.query(`INSERT INTO outbox (topic, key, payload) VALUES ('subscription.changed', $1, $2)`,
    [artist.user.id, { fanId: fan.user.id, artistId: artist.user.id, status: 'canceled' }]);
  await listener.next((m) => m.op === 'unsubscribed');
  await srv.pool.query(`UPDATE outbox_horizon SET (xid, id) = (SELECT xid, id FROM outbox ORDER BY xid DESC, id DESC LIMIT 1)`);
  const again = await WsClient.open(srv);
  await again.authed(artist.token);
  await again.request('sub', { ch: me, data: { offset } });

  // The expiry warning (the token has under 60 s left from the start), then the drain.
  await c.next((m) => m.op === 'auth.expiring', { timeoutMs: 15_000, from: 'start' });
  await srv.stop();
  await c.closedWith();

  const seen = new Set();
  for (const m of [...c.messages, ...again.messages, ...listener.messages]) {
    const validate = validators.get(m.op);
    assert.ok(validate, `the document lists op ${m.op}`);
    assert.ok(validate(m), `${m.op} matches the document: ${JSON.stringify(m)}\n${ajv.errorsText(validate.errors)}`);
    seen.add(m.op);
  }
  assert.deepEqual([...seen].sort(), [...serverOps.keys()].sort(), 'one of each kind was seen');
  assert.equal(c.closed.code, 1012, 'closed as "service restart" after reconnect');
});

test('every documented client message is accepted as written', async () => {
  const srv = await startServer({ name: 'asyncapi-client' });
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  const fan = await registerUser(srv.api);
  const artist = await registerUser(srv.api, { role: 'artist', artistName: 'Spec Pen Pal' });
  await grantTier(srv.pool, fan.user.id, artist.user.id, 'superfan');
  const sent = expectStatus(await srv.api.json('POST', '/api/messaging/send', {
    token: fan.token, body: { recipientId: artist.user.id, body: 'hello' },
  }), 201);
  const me = `user:${decodeJwt(fan.token).payload.sub}`;
  const conversation = `conversation:${sent.conversation.id}`;
  const examples = {
    auth: { op: 'auth', id: 1, data: { token: fan.token, batch: false } },
    sub: { op: 'sub', id: 2, ch: conversation, data: {} },
    ping: { op: 'ping', id: 3, data: { t: 5 } },
    typing: { op: 'typing', id: 4, ch: conversation, data: { typing: true } },
    unsub: { op: 'unsub', id: 5, ch: me },
  };
  assert.deepEqual(Object.keys(examples).sort(), [...clientOps.keys()].sort());
  const c = await WsClient.open(srv);
  for (const [op, message] of Object.entries(examples)) {
    assert.ok(ajv.validate(clientOps.get(op), message), `${op} example fits the document: ${ajv.errorsText()}`);
    c.send(message);
    const reply = await c.next((m) => m.id === message.id);
    assert.notEqual(reply.op, 'error', `${op} accepted: ${JSON.stringify(reply)}`);
  }
  c.close();
  await srv.stop();
});
