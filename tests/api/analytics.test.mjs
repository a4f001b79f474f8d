// Artist analytics (SPEC §4.11, docs/analytics.md): every figure of GET /api/artists/analytics,
// for every period, equals the naive computation over the raw events, before the rollup job ran
// (all raw), after it (rollups + fan windows + today's raw events) and after more plays today.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { makeAudio, scratchDir, uploadMultipart, waitForTrack } from './helpers/media.mjs';
import { naiveDashboard, PERIODS } from './helpers/analytics_naive.mjs';

let srv;
let api;
let dir;
before(async () => {
  // Behind one trusted proxy, so the edge's CloudFront-Viewer-Country is read.
  srv = await startServer({ name: 'analytics', env: { TRUST_PROXY: '1' } });
  api = srv.api;
  dir = await scratchDir('analytics');
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

async function publishedTrack(artist, title) {
  const rel = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: `${title} EP`, kind: 'ep' } }), 201);
  const file = await makeAudio(dir, 'wav', 1, { frequency: 300 + title.length * 20 });
  const { track } = expectStatus(await uploadMultipart(srv, artist.token, file, { releaseId: rel.id, title }), 202);
  await waitForTrack(api, artist.token, track.id);
  expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
  return track.id;
}

async function play(trackId, { token, country, ua = 'analytics-test' } = {}) {
  const headers = { 'user-agent': ua, 'x-forwarded-for': '203.0.113.7' };
  if (country) headers['cloudfront-viewer-country'] = country;
  const res = expectStatus(await api.json('POST', `/api/content/${trackId}/plays`, { token, headers, body: { listenedSeconds: 45 } }), 202);
  assert.equal(res.counted, true);
}

// A balanced ledger posting like payments/ledger.cpp's charge: the fan paid `amount`, the artist got `artist`.
async function charge(artistId, currency, amount, artistCents, daysAgo, kind = 'tip') {
  const c = await srv.pool.connect();
  try {
    await c.query('BEGIN');
    const acct = async (k, owner) => (await c.query(
      `INSERT INTO ledger_accounts (kind, owner_id, currency) VALUES ($1, $2, $3)
       ON CONFLICT (kind, owner_id, currency) DO UPDATE SET kind = EXCLUDED.kind RETURNING id`, [k, owner, currency])).rows[0].id;
    const fan = await acct('fan_payments', null);
    const fees = await acct('platform_revenue', null);
    const mine = await acct('artist_available', artistId);
    const { rows: [x] } = await c.query(
      `INSERT INTO ledger_transactions (kind, reference, artist_id, currency, created_at)
       VALUES ($1, $2, $3, $4, now() - $5::int * interval '1 day') RETURNING id`,
      [kind, `analytics-test-${Math.random()}`, artistId, currency, daysAgo]);
    const sign = kind === 'refund' ? -1 : 1;
    for (const [a, v] of [[fan, -sign * amount], [fees, sign * (amount - artistCents)], [mine, sign * artistCents]]) {
      if (v !== 0) await c.query('INSERT INTO ledger_entries (txn_id, account_id, amount_cents) VALUES ($1, $2, $3)', [x.id, a, v]);
    }
    await c.query('COMMIT');
  } finally {
    c.release();
  }
}

async function runRollup() {
  const { rows: [before] } = await srv.pool.query('SELECT rolled_at FROM analytics_state');
  await srv.pool.query(`INSERT INTO jobs (queue, kind, payload) VALUES ('maintenance', 'analytics.rollup', '{}')`);
  for (let i = 0; i < 600; i++) {
    const { rows: [s] } = await srv.pool.query('SELECT rolled_at, rolled_until::text FROM analytics_state');
    if (s.rolled_at && (!before.rolled_at || s.rolled_at > before.rolled_at)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the rollup job did not run');
}

async function crossCheck(artist, label) {
  for (const period of Object.keys(PERIODS)) {
    const got = expectStatus(await api.get(`/api/artists/analytics?period=${period}`, { token: artist.token }), 200);
    const want = await naiveDashboard(srv.pool, artist.user.id, period);
    const { rolledUntil, metric, ...figures } = got;
    assert.equal(metric, 'all');
    assert.deepEqual(figures, want, `${label}: every figure of ${period} equals the naive computation`);
  }
}

test('every figure equals the naive SQL over the raw events, before and after the rollup job', async () => {
  const artist = await registerUser(api, { role: 'artist', artistName: 'Chart Band' });
  const trackA = await publishedTrack(artist, 'Opener');
  const fans = await Promise.all([1, 2, 3].map(() => registerUser(api)));
  const other = await registerUser(api, { role: 'artist', artistName: 'Other Band' });

  // Today, through the API: plays from three fans (countries from the edge), one anonymous.
  await play(trackA, { token: fans[0].token, country: 'de' });
  await play(trackA, { token: fans[1].token, country: 'US' });
  await play(trackA, { token: fans[2].token });
  await play(trackA, { country: 'BR', ua: 'anonymous-listener' });
  // Follows: two fans follow, one of them stops.
  for (const f of [fans[0], fans[1]]) {
    expectStatus(await api.json('POST', `/api/artists/${artist.user.id}/follow`, { token: f.token }), 200);
  }
  expectStatus(await api.json('DELETE', `/api/artists/${artist.user.id}/follow`, { token: fans[1].token }), 200);

  const { rows: today } = await srv.pool.query('SELECT country, user_id FROM play_events WHERE artist_id = $1 ORDER BY country', [artist.user.id]);
  assert.deepEqual(today.map((r) => r.country), ['BR', 'DE', 'US', 'ZZ'], 'the edge country, upper-cased; ZZ without one');

  // History, as raw events: 40 days of plays of this track and of a since-deleted one, by the fans
  // and anonymous listeners; follows; subscriptions that started and ended; money in two currencies.
  const gone = '00000000-0000-4000-8000-000000000001';
  await srv.pool.query(`
    INSERT INTO play_events (played_at, artist_id, track_id, user_id, country)
    SELECT now() - (g % 40) * interval '1 day' - (g % 7) * interval '1 hour', $1,
           CASE WHEN g % 3 = 0 THEN $2::uuid ELSE $3::uuid END,
           (ARRAY[$4, $5, $6, NULL]::uuid[])[1 + g % 4], (ARRAY['FR', 'JP', 'US'])[1 + g % 3]
      FROM generate_series(1, 400) g`, [artist.user.id, gone, trackA, fans[0].user.id, fans[1].user.id, fans[2].user.id]);
  // Another artist's events never show up.
  await srv.pool.query(`INSERT INTO play_events (played_at, artist_id, track_id, user_id) VALUES (now() - interval '2 days', $1, $2, $3)`,
    [other.user.id, gone, fans[0].user.id]);
  await srv.pool.query(`
    INSERT INTO follow_events (at, artist_id, fan_id, delta) VALUES
      (now() - interval '60 days', $1, $2, 1), (now() - interval '20 days', $1, $2, -1), (now() - interval '5 days', $1, NULL, 1)`,
    [artist.user.id, fans[2].user.id]);
  const sub = async (fan, tier, price, startDays, endDays, currency = 'USD') => {
    const id = crypto.randomUUID();
    const rows = [[startDays, 'start', tier === 'supporter' ? 1 : 0, tier === 'superfan' ? 1 : 0, price]];
    if (endDays !== null) rows.push([endDays, 'end', tier === 'supporter' ? -1 : 0, tier === 'superfan' ? -1 : 0, -price]);
    for (const [d, kind, sup, sf, mrr] of rows) {
      await srv.pool.query(`INSERT INTO subscription_events (at, artist_id, fan_id, subscription_id, kind, currency, supporter_delta, superfan_delta, mrr_delta_cents)
        VALUES (now() - $1::int * interval '1 day', $2, $3, $4, $5, $6, $7, $8, $9)`, [d, artist.user.id, fan, id, kind, currency, sup, sf, mrr]);
    }
  };
  await sub(fans[0].user.id, 'supporter', 500, 200, null);
  await sub(fans[1].user.id, 'superfan', 1500, 100, 10);
  await sub(fans[2].user.id, 'supporter', 500, 50, 3);
  await sub(null, 'superfan', 900, 20, null, 'EUR');
  await charge(artist.user.id, 'USD', 1000, 850, 2);
  await charge(artist.user.id, 'USD', 500, 425, 35, 'subscription');
  await charge(artist.user.id, 'USD', 200, 170, 1, 'refund');
  await charge(artist.user.id, 'EUR', 900, 765, 12, 'subscription');
  await charge(other.user.id, 'USD', 777, 600, 1);
  // A live subscription through the table: the trigger writes its start, and its end.
  await srv.pool.query(`INSERT INTO artist_tiers (artist_id, tier, price_cents) VALUES ($1, 'supporter', 700) ON CONFLICT DO NOTHING`, [artist.user.id]);
  const { rows: [live] } = await srv.pool.query(`INSERT INTO subscriptions (fan_id, artist_id, tier, status, current_period_end, price_cents, currency)
    VALUES ($1, $2, 'supporter', 'active', now() + interval '30 days', 700, 'USD') RETURNING id`, [other.user.id, artist.user.id]);
  const { rows: [ended] } = await srv.pool.query(`INSERT INTO subscriptions (fan_id, artist_id, tier, status, current_period_end, price_cents, currency)
    VALUES ($1, $2, 'superfan', 'active', now() + interval '30 days', 2000, 'USD') RETURNING id`, [fans[1].user.id, artist.user.id]);
  await srv.pool.query(`UPDATE subscriptions SET status = 'canceled' WHERE id = $1`, [ended.id]);
  const { rows: subEvents } = await srv.pool.query(`SELECT subscription_id, kind, mrr_delta_cents::int AS mrr FROM subscription_events
    WHERE subscription_id IN ($1, $2) ORDER BY at, kind DESC`, [live.id, ended.id]);
  assert.deepEqual(subEvents.map((e) => [e.subscription_id, e.kind, e.mrr]),
    [[live.id, 'start', 700], [ended.id, 'start', 2000], [ended.id, 'end', -2000]]);

  // History was written behind the job's back (it only ever sees events dated now): start as if
  // no rollup had run yet, so everything is read raw; the next run rolls up every finished day.
  await srv.pool.query('UPDATE analytics_state SET rolled_until = NULL, fans_as_of = NULL');
  await crossCheck(artist, 'all raw (no rollup yet)');
  const spot = expectStatus(await api.get('/api/artists/analytics?period=90d', { token: artist.token }), 200);
  assert.ok(spot.plays > 400 && spot.topTracks.some((t) => t.title === null), 'a deleted track keeps its plays, untitled');
  assert.ok(spot.revenue.length === 2 && spot.churn.rate > 0, 'two currencies, and churn');

  const state = await runRollup();
  const { rows: [{ d }] } = await srv.pool.query(`SELECT (now() AT TIME ZONE 'UTC')::date::text AS d`);
  assert.equal(state.rolled_until, d, 'every day before today is rolled up');
  const { rows: [{ n }] } = await srv.pool.query('SELECT count(*)::int AS n FROM analytics_fan_windows WHERE artist_id = $1', [artist.user.id]);
  assert.equal(n, 3, 'one window row per signed-in fan of the artist');
  const { rows: [summary] } = await srv.pool.query(`
    SELECT s.fan_summary_as_of = s.fans_as_of AS current,
           (SELECT listeners FROM analytics_fan_listeners WHERE artist_id = $1 AND days = 365)::int AS listeners,
           (SELECT count(*) FROM analytics_fan_top WHERE artist_id = $1 AND days = 365)::int AS top
      FROM analytics_state s`, [artist.user.id]);
  assert.deepEqual(summary, { current: true, listeners: 3, top: 3 }, 'listeners and top fans written with the windows');
  await crossCheck(artist, 'rolled up');
  const rolled = expectStatus(await api.get('/api/artists/analytics', { token: artist.token }), 200);
  assert.equal(rolled.rolledUntil, d);

  // More today after the rollup: read raw on top of the rollups.
  await play(trackA, { token: other.token, country: 'SE' });
  await srv.pool.query(`INSERT INTO play_events (artist_id, track_id, user_id, country) VALUES ($1, $2, $3, 'JP')`, [artist.user.id, gone, fans[2].user.id]);
  await crossCheck(artist, 'rolled up plus new plays');

  // The job again is harmless (it re-rolls the last two days).
  await runRollup();
  await crossCheck(artist, 'rolled twice');

  // A previous release's rollup rebuilds the windows but not the summaries (migration 0024): the
  // dashboard then reads raw events, and this release's next run writes them again.
  await srv.pool.query('UPDATE analytics_state SET fan_summary_as_of = NULL');
  await crossCheck(artist, 'summaries stale');
  await runRollup();
  const { rows: [again] } = await srv.pool.query('SELECT fan_summary_as_of = fans_as_of AS current FROM analytics_state');
  assert.equal(again.current, true);
  await crossCheck(artist, 'summaries rewritten');

  // One metric: only its figures.
  const only = expectStatus(await api.get('/api/artists/analytics?period=7d&metric=topFans', { token: artist.token }), 200);
  assert.deepEqual(Object.keys(only).sort(), ['currency', 'days', 'from', 'metric', 'period', 'rolledUntil', 'series', 'to', 'topFans'].sort());
  assert.equal(only.series.length, 7);
  assert.deepEqual(Object.keys(only.series[0]), ['day']);

  // CSV: one line per day, the same numbers as the series.
  const csv = await api.json('GET', '/api/artists/analytics/export?period=30d', { token: artist.token });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  assert.match(csv.headers.get('content-disposition'), /attachment; filename="analytics-30d.csv"/);
  const lines = csv.text.trim().split('\r\n');
  assert.equal(lines[0], 'day,plays,listeners,followers,followers_gained,followers_lost,supporters,superfans,mrr_cents,gross_cents,net_cents,currency');
  const want = await naiveDashboard(srv.pool, artist.user.id, '30d');
  assert.deepEqual(lines.slice(1), want.series.map((s) =>
    [s.day, s.plays, s.listeners, s.followers, s.followersGained, s.followersLost, s.supporters, s.superfans, s.mrrCents, s.grossCents, s.netCents, want.currency].join(',')));

  // A fan deletes their account: their events stay for the artist's figures, without them. (Rolled-up
  // daily listener counts keep counting them: a count is not personal data; docs/analytics.md.)
  expectStatus(await api.json('DELETE', '/api/me', { token: fans[2].token, body: { password: fans[2].input.password } }), 202);
  for (const [table, col] of [['play_events', 'user_id'], ['follow_events', 'fan_id'], ['subscription_events', 'fan_id'], ['analytics_fan_windows', 'user_id']]) {
    const { rows: [{ n: left }] } = await srv.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${col} = $1`, [fans[2].user.id]);
    assert.equal(left, 0, `${table} no longer names the deleted fan`);
  }
  const { rows: [{ n: kept }] } = await srv.pool.query('SELECT count(*)::int AS n FROM play_events WHERE artist_id = $1', [artist.user.id]);
  assert.ok(kept > 400, 'the plays themselves stay');
});

test('bad period or metric, fans and anonymous callers: clear errors', async () => {
  const artist = await registerUser(api, { role: 'artist', artistName: 'Strict Band' });
  const fan = await registerUser(api);
  const bad = expectError(await api.get('/api/artists/analytics?period=2w', { token: artist.token }), 400, 'invalid_query');
  assert.match(bad.details.period, /7d, 30d, 90d, 365d or 1y/);
  const both = expectError(await api.get('/api/artists/analytics?period=&metric=likes', { token: artist.token }), 400, 'invalid_query');
  assert.ok(both.details.period && both.details.metric, 'every bad parameter is named');
  expectError(await api.get('/api/artists/analytics/export?period=13d', { token: artist.token }), 400, 'invalid_query');
  expectError(await api.get('/api/artists/analytics', { token: fan.token }), 403, 'forbidden');
  expectError(await api.get('/api/artists/analytics/export', { token: fan.token }), 403, 'forbidden');
  expectError(await api.get('/api/artists/analytics'), 401, 'unauthorized');
  // An artist with nothing yet: zeros, a full series of empty days.
  const empty = expectStatus(await api.get('/api/artists/analytics?period=1y', { token: artist.token }), 200);
  assert.equal(empty.days, 365);
  assert.equal(empty.period, '365d', '1y is answered as its canonical name');
  assert.equal(empty.series.length, 365);
  assert.equal(empty.plays, 0);
  assert.equal(empty.churn.rate, null);
});
