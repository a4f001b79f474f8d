// Channel messages whose transaction ids have different numbers of digits arrive, in order: the
// relay orders outbox rows by xid8, not by xid's text (where "10000" sorts before "9999" and the
// gateway dropped the older message as already sent). Found by bench/ws.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { decodeJwt } from './helpers/jwt.mjs';
import { WsClient } from './helpers/ws.mjs';

let srv;

before(async () => {
  srv = await startServer({ name: 'xid-order' });
  // Ends one transaction after another until the next xid is at least `upto`.
  await srv.pool.query(`CREATE PROCEDURE test_burn_xids(upto bigint) LANGUAGE plpgsql AS $$
    BEGIN
      WHILE pg_current_xact_id()::text::bigint < upto LOOP COMMIT; END LOOP;
    END $$`);
});
after(async () => {
  await srv?.stop();
});

const xidOf = async (client) => BigInt((await client.query('SELECT pg_current_xact_id()::text AS x')).rows[0].x);
const append = (client, channel, n) =>
  client.query("INSERT INTO outbox (topic, key, payload, channel) VALUES ('test.tick', 'k', $1, $2)",
    [JSON.stringify({ n }), channel]);

test('messages written by transactions on both sides of a new xid digit arrive in order', async () => {
  const fan = await registerUser(srv.api);
  const channel = `user:${decodeJwt(fan.token).payload.sub}`;
  const c = await WsClient.open(srv);
  assert.equal((await c.request('auth', { data: { token: fan.token } })).op, 'ok');
  assert.equal((await c.request('sub', { ch: channel })).op, 'ok');

  const now = BigInt((await srv.pool.query('SELECT pg_current_xact_id()::text AS x')).rows[0].x);
  const boundary = 10n ** BigInt(now.toString().length);  // the next power of ten
  await srv.pool.query('CALL test_burn_xids($1)', [(boundary - 3n).toString()]);

  // The older transaction (fewer digits) stays open while a newer one (one digit more) commits
  // first: the relay sees both rows at once, once the older one commits.
  const older = await srv.pool.connect();
  const newer = await srv.pool.connect();
  try {
    await older.query('BEGIN');
    const xOlder = await xidOf(older);
    await newer.query('CALL test_burn_xids($1)', [boundary.toString()]);
    await newer.query('BEGIN');
    const xNewer = await xidOf(newer);
    assert.ok(xOlder < boundary && xNewer >= boundary, `xids ${xOlder} and ${xNewer} straddle ${boundary}`);
    await append(newer, channel, 2);
    await newer.query('COMMIT');
    await append(older, channel, 1);
    await older.query('COMMIT');
  } finally {
    older.release();
    newer.release();
  }

  const first = await c.next((m) => m.op === 'event' && m.ch === channel);
  const second = await c.next((m) => m.op === 'event' && m.ch === channel);
  assert.deepEqual([first.data.payload.n, second.data.payload.n], [1, 2]);
  c.ws.close();
});
