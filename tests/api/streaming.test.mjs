// Streaming: the authorization matrix of the catalog issue across playback grants, the rungs a
// master playlist lists, tampered and expired URLs and original downloads; and proof that
// serving media needs no database (PostgreSQL is frozen while segments are served).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { matrixViewers, registerUser, uniqueName } from './helpers/fixtures.mjs';
import {
  LADDER, LOSSLESS, decodedDuration, downloadRung, fetchBytes, probeCodec, makeAudio, parseMaster, parseMedia, resolveUri, scratchDir, uploadMultipart, waitForTrack,
} from './helpers/media.mjs';

let srv;
let api;
let dir;
before(async () => {
  srv = await startServer({ name: 'streaming' });
  api = srv.api;
  dir = await scratchDir('streaming');
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

const hoursFromNow = (h) => new Date(Date.now() + h * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
const ALL = LADDER;  // the uploads below are FLAC: AAC 128 and 256, and lossless

/** A URL for `path` signed with the server's own secret, as the server would, but for any expiry. */
async function forge(path, scope, rungs, expires) {
  const secret = await fsp.readFile(`${srv.varDir}/secrets/media_url_secret`, 'utf8');
  const r = rungs.join(',');
  const sig = crypto.createHmac('sha256', secret).update(`v1\n${scope}\n${r}\n${expires}`).digest('base64url');
  return `${path}?r=${r}&e=${expires}&s=${sig}`;
}

function tamper(url) {
  const i = url.indexOf('&s=') + 3;
  const c = url[i] === 'A' ? 'B' : 'A';
  return url.slice(0, i) + c + url.slice(i + 1);
}

describe('authorization matrix (playback, rungs, signed URLs, originals)', () => {
  const items = {};
  const viewers = {};
  let artist;
  let artistGrants;

  before(async () => {
    artist = await registerUser(api, { role: 'artist', artistName: `Streamer ${uniqueName('s')}` });
    const t = artist.token;
    const mk = async (title, kind) => expectStatus(await api.json('POST', '/api/releases', { token: t, body: { title, kind } }), 201).id;
    const up = async (releaseId, title, minTier, frequency) => {
      const file = await makeAudio(dir, 'flac', 3, { frequency });
      const fields = { releaseId, title, ...(minTier ? { minTier } : {}) };
      return expectStatus(await uploadMultipart(srv, t, file, fields), 202).track.id;
    };
    const open = await mk('Open', 'ep');
    items.public = await up(open, 'Public track', null, 300);
    items.supporter = await up(open, 'Supporter track', 'supporter', 350);
    items.superfan = await up(open, 'Superfan track', 'superfan', 400);
    const soon = await mk('Soon', 'single');
    items.in30h = await up(soon, 'Thirty hours', null, 450);
    const later = await mk('Later', 'single');
    items.in60h = await up(later, 'Sixty hours', null, 500);
    // A release is published once it has a ready track.
    for (const id of Object.values(items)) assert.equal((await waitForTrack(api, t, id)).status, 'ready');
    const publish = async (id, extra = {}) => expectStatus(await api.json('PATCH', `/api/releases/${id}`, { token: t, body: { published: true, ...extra } }), 200);
    await publish(open);
    await publish(soon, { releaseAt: hoursFromNow(30) });
    await publish(later, { releaseAt: hoursFromNow(60) });

    Object.assign(viewers, await matrixViewers(srv, artist));

    artistGrants = {};
    for (const [item, id] of Object.entries(items)) {
      artistGrants[item] = expectStatus(await api.json('POST', `/api/content/${id}/playback`, { token: t }), 200);
    }
  });

  // Each cell: the rungs a grant gives, or 'locked'. Downloads: 'ok', 'tier' (403 tier_required),
  // 'locked' (403 locked) or 'auth' (401).
  const L = 'locked';
  const expected = {
    anonymous: { rungs: { public: [128], supporter: L, superfan: L, in30h: L, in60h: L }, download: 'auth' },
    follower: { rungs: { public: [128], supporter: L, superfan: L, in30h: L, in60h: L }, download: 'tier' },
    supporter: { rungs: { public: [128, 256], supporter: [128, 256], superfan: L, in30h: L, in60h: L }, download: 'tier' },
    superfan: { rungs: { public: ALL, supporter: ALL, superfan: ALL, in30h: ALL, in60h: L }, download: 'ok' },
    artist: { rungs: { public: ALL, supporter: ALL, superfan: ALL, in30h: ALL, in60h: ALL }, download: 'ok' },
    otherArtist: { rungs: { public: [128], supporter: L, superfan: L, in30h: L, in60h: L }, download: 'tier' },
    admin: { rungs: { public: ALL, supporter: ALL, superfan: ALL, in30h: ALL, in60h: ALL }, download: 'ok' },
  };

  for (const [role, row] of Object.entries(expected)) {
    test(`${role}: grant, master rungs, tampered and expired links, original download`, async () => {
      const token = viewers[role];
      for (const [item, want] of Object.entries(row.rungs)) {
        const where = `${role} × ${item}`;
        const id = items[item];
        // Metadata: the full item when playable, a teaser otherwise.
        const meta = expectStatus(await api.get(`/api/content/${id}`, { token }), 200);
        assert.equal(meta.locked === null, want !== L, `${where}: metadata lock`);
        if (want === L) assert.equal(meta.peaks, undefined, `${where}: a teaser has no waveform`);

        const grantRes = await api.json('POST', `/api/content/${id}/playback`, { token });
        let url;
        if (want === L) {
          const err = expectError(grantRes, 403, 'locked');
          assert.ok(err.details.locked, `${where}: says what unlocks it`);
          url = artistGrants[item].masterUrl;  // somebody else's link, to tamper with below
        } else {
          const g = expectStatus(grantRes, 200);
          assert.deepEqual(g.rungs, want, `${where}: granted rungs`);
          const master = await fetchBytes(srv, g.masterUrl);
          assert.equal(master.status, 200, `${where}: master`);
          const listed = parseMaster(master.buf.toString()).map((v) => v.kbps).sort((a, b) => a - b);
          assert.deepEqual(listed, want, `${where}: the master lists exactly the tier's rungs`);
          // A rung above the tier is refused even with the grant's own valid signature.
          const top = Math.max(...want);
          for (const k of ALL.filter((x) => x > top)) {
            const dirName = k === LOSSLESS ? 'lossless' : k;
            const res = await fetchBytes(srv, resolveUri(g.masterUrl, `${dirName}/index.m3u8${g.masterUrl.slice(g.masterUrl.indexOf('?'))}`));
            assert.equal(res.status, 403, `${where}: rung ${k} refused`);
          }
          // A segment of the lowest rung plays.
          const variantUrl = resolveUri(g.masterUrl, parseMaster(master.buf.toString())[0].uri);
          const media = parseMedia((await fetchBytes(srv, variantUrl)).buf.toString());
          const segUrl = resolveUri(variantUrl, media.segments[0].uri);
          const seg = await fetchBytes(srv, segUrl);
          assert.equal(seg.status, 200, `${where}: segment`);
          assert.match(seg.headers.get('cache-control'), /immutable/);
          const tamperedSeg = await fetchBytes(srv, tamper(segUrl));
          assert.equal(tamperedSeg.status, 403, `${where}: tampered segment link`);
          url = g.masterUrl;
        }
        assert.equal((await fetchBytes(srv, tamper(url))).status, 403, `${where}: tampered master link`);
        const pathOnly = url.slice(0, url.indexOf('?'));
        const scope = pathOnly.slice(0, pathOnly.lastIndexOf('/') + 1);
        const expired = await forge(pathOnly, scope, ALL, Math.floor(Date.now() / 1000) - 5);
        assert.equal((await fetchBytes(srv, expired)).status, 403, `${where}: expired link`);
        const valid = await forge(pathOnly, scope, ALL, Math.floor(Date.now() / 1000) + 60);
        assert.equal((await fetchBytes(srv, valid)).status, 200, `${where}: the same link unexpired works (the 403 was the expiry)`);

        // The original.
        const dl = await api.json('POST', `/api/content/${id}/download`, { token });
        if (row.download === 'auth') {
          expectError(dl, 401, 'unauthorized');
        } else if (want === L) {
          expectError(dl, 403, 'locked');
        } else if (row.download === 'tier') {
          const err = expectError(dl, 403, 'tier_required');
          assert.equal(err.details.requiredTier, 'superfan');
        } else {
          const link = expectStatus(dl, 200);
          const part = await fetchBytes(srv, link.url, { range: 'bytes=0-3' });
          assert.equal(part.status, 206, `${where}: ranged original`);
          assert.equal(part.buf.toString('latin1'), 'fLaC');
          assert.match(part.headers.get('content-range'), /^bytes 0-3\/\d+$/);
          assert.equal((await fetchBytes(srv, tamper(link.url))).status, 403, `${where}: tampered original link`);
        }
      }
    });
  }

  test('lossless for superfans, with AAC 256 as the fallback rung; the grant says what each rung is', async () => {
    const labels = { 128: '128 kbps', 256: '256 kbps', [LOSSLESS]: 'Lossless' };
    for (const [role, want] of [['superfan', LADDER], ['supporter', [128, 256]], ['anonymous', [128]]]) {
      const g = expectStatus(await api.json('POST', `/api/content/${items.public}/playback`, { token: viewers[role] }), 200);
      assert.deepEqual(g.formats, want.map((rung) => ({ rung, codec: rung === LOSSLESS ? 'flac' : 'aac', label: labels[rung] })), role);
      const variants = parseMaster((await fetchBytes(srv, g.masterUrl)).buf.toString());
      assert.deepEqual(variants.map((v) => v.kbps), want, `${role}: ascending, lossless last`);
      for (const v of variants) {
        assert.equal(v.codecs, v.kbps === LOSSLESS ? 'fLaC' : 'mp4a.40.2', `${role}: CODECS of ${v.kbps}`);
        assert.ok(v.averageBandwidth > 0 && v.bandwidth >= v.averageBandwidth, `${role}: bandwidths of ${v.kbps}`);
      }
      if (role === 'superfan') {
        const [, aac256, lossless] = variants;
        assert.ok(lossless.averageBandwidth > aac256.averageBandwidth, 'lossless is the top rung by bit rate');
        const rung = await downloadRung(srv, g.masterUrl, lossless.uri, dir);
        const codec = await probeCodec(rung.file);
        assert.equal(codec, 'flac');
      }
    }
  });

  test('an original downloads whole and with ranges, and decodes', async () => {
    const link = expectStatus(await api.json('POST', `/api/content/${items.public}/download`, { token: artist.token }), 200);
    const whole = await fetchBytes(srv, link.url);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.match(whole.headers.get('content-disposition'), /attachment; filename="Public track\.flac"/);
    const size = whole.buf.length;
    const tail = await fetchBytes(srv, link.url, { range: 'bytes=-100' });
    assert.equal(tail.status, 206);
    assert.deepEqual(tail.buf, whole.buf.subarray(size - 100));
    const middle = await fetchBytes(srv, link.url, { range: `bytes=100-${size + 500}` });
    assert.equal(middle.status, 206);
    assert.deepEqual(middle.buf, whole.buf.subarray(100));
    const beyond = await fetchBytes(srv, link.url, { range: `bytes=${size}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);
    const file = `${dir}/downloaded.flac`;
    await fsp.writeFile(file, whole.buf);
    assert.ok(Math.abs((await decodedDuration(file)) - 3) < 0.1);
  });

  test('media is served with the database frozen: no query per playlist, segment or original', async () => {
    const g = artistGrants.public;
    const master = await fetchBytes(srv, g.masterUrl);
    const variantUrl = resolveUri(g.masterUrl, parseMaster(master.buf.toString())[2].uri);
    const media = parseMedia((await fetchBytes(srv, variantUrl)).buf.toString());
    const link = expectStatus(await api.json('POST', `/api/content/${items.public}/download`, { token: artist.token }), 200);
    const pids = srv.postgresProcesses().map((p) => p.pid);
    assert.ok(pids.length > 0);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      const urls = [g.masterUrl, variantUrl, resolveUri(variantUrl, media.map),
        ...media.segments.map((s) => resolveUri(variantUrl, s.uri))];
      for (const u of urls) {
        const res = await fetch(new URL(u, srv.baseUrl), { signal: AbortSignal.timeout(5000) });
        assert.equal(res.status, 200, u);
        await res.arrayBuffer();
      }
      const ranged = await fetch(new URL(link.url, srv.baseUrl), { headers: { range: 'bytes=0-9' }, signal: AbortSignal.timeout(5000) });
      assert.equal(ranged.status, 206);
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
  });

  test('a track still processing is not streamable yet; a draft is not found', async () => {
    const r = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'WIP', kind: 'single' } }), 201);
    const tr = expectStatus(await api.json('POST', `/api/releases/${r.id}/tracks`, { token: artist.token, body: { title: 'Empty' } }), 201);
    expectError(await api.json('POST', `/api/content/${tr.id}/playback`, { token: artist.token }), 409, 'not_ready');
    expectError(await api.json('POST', `/api/content/${tr.id}/playback`), 404, 'not_found');
  });
});
