// `serve --roles`: one image as the guide's backend, websocket service or all-in-one node (DESIGN §1).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { WsClient } from './helpers/ws.mjs';

const servers = [];
after(async () => { for (const s of servers) if (s.running) await s.stop(); });

test('--roles ws serves the gateway and health, not the API or the web app', async () => {
  const srv = await startServer({ name: 'roles-ws', args: ['--roles', 'ws'] });
  servers.push(srv);
  assert.equal((await srv.api.get('/health')).status, 200);
  assert.equal((await srv.api.get('/api/artists')).status, 404);
  const page = await fetch(`${srv.baseUrl}/`);
  assert.equal(page.status, 404, 'no web app');
  const c = await WsClient.open(srv);
  const pong = await c.request('ping');
  assert.equal(pong.op, 'pong');
  c.close();
});

test('--roles api,web serves the API and the web app, and /ws is not upgraded', async () => {
  const srv = await startServer({ name: 'roles-api', args: ['--roles=api,web'] });
  servers.push(srv);
  const user = await registerUser(srv.api);
  assert.ok(user.token);
  const page = await fetch(`${srv.baseUrl}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /text\/html/);
  const c = new WsClient(srv.baseUrl.replace(/^http/, 'ws') + '/ws');
  await c.closedWith();
  assert.equal(c.unexpectedResponse?.status, 404);
});

test('an unknown role is refused at start with the list of roles', async () => {
  await assert.rejects(startServer({ name: 'roles-bad', args: ['--roles', 'api,chat'], readyTimeoutMs: 10_000 }),
    /unknown role "chat" \(roles: api, ws, web, worker\)/);
});
