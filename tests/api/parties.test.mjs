// Listening parties (SPEC §4.10, docs/parties.md): the host's controls, the authoritative state
// followed by clients whose clocks are wrong by seconds, who may listen (tier, capacity, a
// membership that ends mid-party), chat and reactions with their limits and moderation, and the
// summary at the end.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { grantTier } from './helpers/db.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { makeAudio, scratchDir, uploadAndWait } from './helpers/media.mjs';
import { WsClient } from './helpers/ws.mjs';

let srv;
let api;
let dir;
let artist;
let tracks;

before(async () => {
  srv = await startServer({ name: 'parties' });
  api = srv.api;
  dir = await scratchDir('parties');
  const audio = await makeAudio(dir, 'flac', 3);
  artist = await registerUser(api, { role: 'artist', artistName: 'Party Host' });
  const releaseId = expectStatus(await api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Set list', kind: 'album' },
  }), 201).id;
  tracks = [];
  for (const title of ['Opener', 'Second', 'Closer']) {
    tracks.push(await uploadAndWait(srv, artist.token, audio, { releaseId, title }));
  }
  expectStatus(await api.json('PATCH', `/api/releases/${releaseId}`, { token: artist.token, body: { published: true } }), 200);
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

const newParty = (body, token = artist.token) => api.json('POST', '/api/parties', { token, body });
const control = (id, body, token = artist.token) => api.json('POST', `/api/parties/${id}/control`, { token, body });

// A listener whose clock is `skewMs` off. It estimates the server clock from pings (the sample
// with the shortest round trip of several), then computes the position from the party state.
class Listener {
  constructor(ws, skewMs) {
    this.ws = ws;
    this.skewMs = skewMs;
    this.offset = 0;
    this.state = null;
  }

  static async join(token, partyId, skewMs) {
    const ws = await WsClient.open(srv);
    await ws.authed(token);
    const l = new Listener(ws, skewMs);
    await l.syncClock();
    const sub = await ws.request('sub', { ch: `party:${partyId}` });
    if (sub.op !== 'ok') throw new Error(`refused: ${JSON.stringify(sub)}`);
    // A late joiner starts from the party's state as the API gives it.
    l.state = expectStatus(await api.get(`/api/parties/${partyId}`, { token }), 200).state;
    return l;
  }

  now() { return Date.now() + this.skewMs; }

  async syncClock(samples = 8) {
    let best = null;
    for (let i = 0; i < samples; i++) {
      const t0 = this.now();
      const pong = await this.ws.request('ping', { data: { t: t0 } });
      const t1 = this.now();
      const rtt = t1 - t0;
      if (!best || rtt < best.rtt) best = { rtt, offset: pong.data.serverTime - (t0 + rtt / 2) };
    }
    this.offset = best.offset;
  }

  // Takes the party.state events received so far, newest last.
  follow() {
    for (const m of this.ws.events().filter((e) => e.data.type === 'party.state' || e.data.type === 'party.started')) {
      const s = m.data.payload.state;
      if (!this.state || s.version > this.state.version) this.state = s;
    }
  }

  async waitVersion(version) {
    await this.ws.next((m) => m.op === 'event' && m.data.type === 'party.state' && m.data.payload.state.version >= version,
      { from: 'start' });
    this.follow();
  }

  position() {
    const s = this.state;
    return s.playing ? s.positionMs + (this.now() + this.offset - s.serverTime) : s.positionMs;
  }
}

// The host's position now, from the state the server answered the host with and the true clock.
const truth = (state) => (state.playing ? state.positionMs + (Date.now() - state.serverTime) : state.positionMs);

describe('playback in sync', () => {
  test('three listeners with clocks −2 s, 0 and +3 s off follow play, pause, seek and skip within 250 ms', async () => {
    const party = expectStatus(await newParty({ title: 'In sync', trackIds: tracks, startNow: true }), 201);
    assert.equal(party.status, 'live');
    const fans = [];
    for (const skew of [-2000, 0, 3000]) {
      const fan = await registerUser(api);
      fans.push(await Listener.join(fan.token, party.id, skew));
    }
    for (const l of fans) assert.ok(Math.abs(l.offset + l.skewMs) < 100, `offset ${l.offset} undoes skew ${l.skewMs}`);

    const steps = [
      { action: 'pause' },
      { action: 'play' },
      { action: 'seek', positionMs: 1500 },
      { action: 'skip' },
      { action: 'pause' },
      { action: 'skip', index: 0 },
      { action: 'play' },
      { action: 'previous', expectError: true },
    ];
    const worst = [];
    for (const step of steps) {
      const { expectError: refusal, ...body } = step;
      const res = await control(party.id, body);
      if (refusal) {
        expectError(res, 400, 'validation_failed');
        continue;
      }
      const { state } = expectStatus(res, 200);
      await Promise.all(fans.map((l) => l.waitVersion(state.version)));
      for (let sample = 0; sample < 3; sample++) {
        for (const l of fans) {
          assert.equal(l.state.index, state.index, `${step.action}: same track`);
          assert.equal(l.state.playing, state.playing, `${step.action}: same playing`);
          const drift = Math.abs(l.position() - truth(state));
          worst.push(drift);
          assert.ok(drift <= 250, `${step.action}: listener ${l.skewMs} ms off is ${drift.toFixed(1)} ms from the host`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // A listener that ignored the clock offset would be seconds out: the check can fail.
    const naive = fans[2];
    const naivePos = naive.state.positionMs + (naive.now() - naive.state.serverTime);
    assert.ok(Math.abs(naivePos - truth(naive.state)) > 2500, 'without the offset the +3 s clock is off by 3 s');
    for (const l of fans) l.ws.close();
  });

  test('only the host and co-hosts control; a late joiner starts at the live position', async () => {
    const party = expectStatus(await newParty({ title: 'Co-hosted', trackIds: tracks.slice(0, 2), startNow: true }), 201);
    const fan = await registerUser(api);
    const cohost = await registerUser(api);
    expectError(await control(party.id, { action: 'pause' }, fan.token), 403, 'forbidden');
    expectStatus(await api.json('PUT', `/api/parties/${party.id}/cohosts/${cohost.user.id}`, { token: artist.token }), 200);
    expectError(await api.json('PUT', `/api/parties/${party.id}/cohosts/${fan.user.id}`, { token: cohost.token }), 403, 'forbidden');
    const seek = expectStatus(await control(party.id, { action: 'seek', positionMs: 2000 }, cohost.token), 200);
    await new Promise((r) => setTimeout(r, 400));
    const late = await Listener.join(fan.token, party.id, 1234);
    const drift = Math.abs(late.position() - truth(seek.state));
    assert.ok(drift <= 250, `late joiner is ${drift} ms from the live position`);
    assert.ok(late.position() >= 2300, 'the position moved on while playing');
    late.ws.close();
    for (const [body, field] of [
      [{ action: 'rewind' }, 'action'],
      [{ action: 'seek' }, 'positionMs'],
      [{ action: 'seek', positionMs: -1 }, 'positionMs'],
      [{ action: 'skip', index: 5 }, 'index'],
    ]) {
      expectError(await control(party.id, body), 400, 'validation_failed', { field });
    }
  });
});

describe('who may listen', () => {
  test('a supporter is refused a superfans party; a full party refuses newcomers; an ended one refuses everyone', async () => {
    const party = expectStatus(await newParty({ title: 'Superfans only', trackIds: [tracks[0]], minTier: 'superfan', capacity: 1, startNow: true }), 201);
    const supporter = await registerUser(api);
    await grantTier(srv.pool, supporter.user.id, artist.user.id, 'supporter');
    const ws = await WsClient.open(srv);
    await ws.authed(supporter.token);
    const refused = await ws.request('sub', { ch: `party:${party.id}` });
    assert.equal(refused.op, 'error');
    assert.equal(refused.data.code, 'tier_required');
    assert.equal(refused.data.details.tier, 'superfan');
    expectError(await api.json('POST', `/api/parties/${party.id}/messages`, { token: supporter.token, body: { body: 'hi' } }), 403, 'tier_required');

    const first = await registerUser(api);
    const second = await registerUser(api);
    for (const f of [first, second]) await grantTier(srv.pool, f.user.id, artist.user.id, 'superfan');
    const a = await Listener.join(first.token, party.id, 0);
    // Presence is counted on the gateway's tick (every 2 s).
    await new Promise((r) => setTimeout(r, 2500));
    const b = await WsClient.open(srv);
    await b.authed(second.token);
    const full = await b.request('sub', { ch: `party:${party.id}` });
    assert.equal(full.data.code, 'party_full');
    const host = await WsClient.open(srv);
    await host.authed(artist.token);
    assert.equal((await host.request('sub', { ch: `party:${party.id}` })).op, 'ok', 'the host always gets in');

    expectStatus(await api.post(`/api/parties/${party.id}/end`, {}, { token: artist.token }), 200);
    await a.ws.next((m) => m.op === 'event' && m.data.type === 'party.ended');
    const c = await WsClient.open(srv);
    await c.authed(second.token);
    assert.equal((await c.request('sub', { ch: `party:${party.id}` })).data.code, 'party_ended');
    for (const s of [ws, a.ws, b, host, c]) s.close();
  });

  test('a superfan whose membership ends mid-party is removed from the party channel', async () => {
    const fan = await registerUser(api);
    const created = expectStatus(await api.post('/api/subscriptions/create', { artistId: artist.user.id, tier: 'superfan' }, { token: fan.token }), 201);
    const checkout = new URL(created.checkoutUrl, srv.baseUrl).pathname.split('/').pop();
    expectStatus(await api.post(`/api/sandbox/checkouts/${checkout}/pay`, {}, { token: fan.token }), 200);
    const party = expectStatus(await newParty({ title: 'Members', trackIds: [tracks[0]], minTier: 'superfan', startNow: true }), 201);
    const l = await Listener.join(fan.token, party.id, 0);
    expectStatus(await api.post(`/api/subscriptions/${created.subscriptionId}/cancel`, undefined, { token: fan.token }), 200);
    expectStatus(await api.post(`/api/sandbox/subscriptions/${created.subscriptionId}/simulate`, { event: 'period_end' }, { token: fan.token }), 200);
    const gone = await l.ws.next((m) => m.op === 'unsubscribed', { timeoutMs: 10_000 });
    assert.equal(gone.ch, `party:${party.id}`);
    assert.equal(gone.data.code, 'tier_required');
    const before = l.ws.messages.length;
    expectStatus(await control(party.id, { action: 'pause' }), 200);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(l.ws.messages.slice(before).filter((m) => m.op === 'event').length, 0, 'no more party messages');
    l.ws.close();
  });
});

describe('chat, reactions and the summary', () => {
  test('chat and reactions reach listeners with badges; limits, mutes and deletions apply; the summary counts them', async () => {
    const party = expectStatus(await newParty({ title: 'Chatty', trackIds: tracks, startNow: true }), 201);
    const fan = await registerUser(api);
    await grantTier(srv.pool, fan.user.id, artist.user.id, 'supporter');
    const troll = await registerUser(api);
    const l = await Listener.join(fan.token, party.id, 0);
    const t = await Listener.join(troll.token, party.id, 0);
    const said = expectStatus(await api.json('POST', `/api/parties/${party.id}/messages`, { token: fan.token, body: { body: 'What a tune' } }), 201);
    assert.equal(said.badge, 'supporter');
    const heard = await t.ws.next((m) => m.op === 'event' && m.data.type === 'party.chat');
    assert.equal(heard.data.payload.body, 'What a tune');
    expectStatus(await api.json('POST', `/api/parties/${party.id}/reactions`, { token: fan.token, body: { emoji: '🔥' } }), 201);
    await t.ws.next((m) => m.op === 'event' && m.data.type === 'party.reaction');
    expectError(await api.json('POST', `/api/parties/${party.id}/reactions`, { token: fan.token, body: { emoji: 'lol' } }), 400, 'validation_failed', { field: 'emoji' });
    expectError(await api.json('POST', `/api/parties/${party.id}/messages`, { token: fan.token, body: { body: 'x'.repeat(501) } }), 400, 'validation_failed', { field: 'body' });

    // Five messages in ten seconds, then 429 with the wait.
    const burst = [];
    for (let i = 0; i < 6; i++) {
      burst.push(await api.json('POST', `/api/parties/${party.id}/messages`, { token: troll.token, body: { body: `spam ${i}` } }));
    }
    assert.deepEqual(burst.map((r) => r.status), [201, 201, 201, 201, 201, 429]);
    expectError(burst[5], 429, 'rate_limited');

    // Moderation: the host deletes a message and mutes the troll.
    expectStatus(await api.json('DELETE', `/api/parties/${party.id}/messages/${burst[0].body.id}`, { token: artist.token }), 204);
    const deleted = await l.ws.next((m) => m.op === 'event' && m.data.type === 'party.chat_deleted');
    assert.equal(deleted.data.payload.id, burst[0].body.id);
    expectError(await api.json('DELETE', `/api/parties/${party.id}/messages/${said.id}`, { token: troll.token }), 403, 'forbidden');
    expectStatus(await api.json('PUT', `/api/parties/${party.id}/mutes/${troll.user.id}`, { token: artist.token }), 200);
    expectError(await api.json('POST', `/api/parties/${party.id}/reactions`, { token: troll.token, body: { emoji: '😂' } }), 403, 'muted');
    const history = expectStatus(await api.get(`/api/parties/${party.id}/messages`, { token: fan.token }), 200);
    assert.ok(!history.messages.some((m) => m.id === burst[0].body.id), 'a deleted message is gone from the history');

    await new Promise((r) => setTimeout(r, 2500)); // the presence tick records the peak
    const ended = expectStatus(await api.post(`/api/parties/${party.id}/end`, {}, { token: artist.token }), 200);
    assert.equal(ended.status, 'ended');
    assert.equal(ended.summary.messages, 6, 'every chat message sent counts, deleted or not');
    assert.equal(ended.summary.reactions, 1);
    assert.ok(ended.summary.peakListeners >= 2, `peak ${ended.summary.peakListeners}`);
    const summary = expectStatus(await api.get(`/api/parties/${party.id}/summary`, { token: artist.token }), 200);
    assert.equal(summary.messages, 6);
    expectError(await api.get(`/api/parties/${party.id}/summary`, { token: fan.token }), 403, 'forbidden');
    expectError(await control(party.id, { action: 'play' }), 409, 'party_ended');
    for (const x of [l, t]) x.ws.close();
  });

  test('creating a party checks the queue: your ready tracks, open at the party tier', async () => {
    const other = await registerUser(api, { role: 'artist', artistName: 'Someone Else' });
    expectError(await newParty({ title: 'Borrowed', trackIds: tracks }, other.token), 400, 'validation_failed', { field: 'trackIds' });
    const fan = await registerUser(api);
    expectError(await newParty({ title: 'Nope', trackIds: tracks }, fan.token), 403, 'forbidden');
    for (const [body, field] of [
      [{ trackIds: tracks }, 'title'],
      [{ title: 'x', trackIds: [] }, 'trackIds'],
      [{ title: 'x', trackIds: ['nope'] }, 'trackIds'],
      [{ title: 'x', trackIds: tracks, minTier: 'gold' }, 'minTier'],
      [{ title: 'x', trackIds: tracks, capacity: 0 }, 'capacity'],
      [{ title: 'x', trackIds: tracks, startNow: true, scheduledAt: '2030-01-01T00:00:00Z' }, 'scheduledAt'],
    ]) {
      expectError(await newParty(body), 400, 'validation_failed', { field });
    }
    const scheduled = expectStatus(await newParty({ title: 'Later', trackIds: tracks, scheduledAt: '2030-01-01T20:00:00Z' }), 201);
    assert.equal(scheduled.status, 'scheduled');
    const listed = expectStatus(await api.get(`/api/parties?artistId=${artist.user.id}`), 200);
    assert.ok(listed.parties.some((p) => p.id === scheduled.id));
    const started = expectStatus(await api.post(`/api/parties/${scheduled.id}/start`, {}, { token: artist.token }), 200);
    assert.equal(started.status, 'live');
    assert.equal(started.state.playing, true);
  });
});
