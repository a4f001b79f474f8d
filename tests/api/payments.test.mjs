// Memberships and payments on the sandbox provider: the five-step journey of docs/payments.md,
// bad inputs that must write nothing, signed webhooks (the official stripe library's test
// header), exactly-once processing, refunds, disputes, payouts and the ledger's invariants.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startServer } from './helpers/server.mjs';
import { readyTrack } from './helpers/media.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { login, registerUser, uniqueName } from './helpers/fixtures.mjs';

const WEBHOOK_SECRET = 'whsec_api_test_current_secret';
const PREVIOUS_SECRET = 'whsec_api_test_previous_secret';
const stripe = new Stripe('sk_test_unused');

let srv;
let api;
before(async () => {
  srv = await startServer({
    name: 'payments',
    env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_WEBHOOK_PREVIOUS_SECRET: PREVIOUS_SECRET },
  });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pathOf = (url) => new URL(url).pathname;
// The web app's sandbox page is /sandbox/checkout/{id}; its data and buttons are under /api, with the fan's token.
const checkoutIdOf = (url) => pathOf(url).split('/').pop();
const sandboxAnswer = (url, token, answer = 'pay') =>
  api.post(`/api/sandbox/checkouts/${checkoutIdOf(url)}/${answer}`, {}, { token });

async function artistWithGatedTrack() {
  const artist = await registerUser(api, { role: 'artist', artistName: `Pay ${uniqueName('a')}` });
  const rel = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'EP', kind: 'ep' } }), 201);
  const track = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'For supporters', minTier: 'supporter' });
  const superTrack = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'For superfans', minTier: 'superfan' }, { frequency: 550 });
  expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
  return { artist, trackId: track.id, superTrackId: superTrack.id };
}

async function playable(trackId, token) {
  const body = expectStatus(await api.get(`/api/content/${trackId}`, { token }), 200);
  return body.locked === null;
}

async function subscribe(fan, artistId, tier) {
  const created = expectStatus(await api.post('/api/subscriptions/create', { artistId, tier }, { token: fan.token }), 201);
  assert.match(pathOf(created.checkoutUrl), /^\/sandbox\/checkout\/cs_sbx_/);
  const view = expectStatus(await api.get(`/api/sandbox/checkouts/${checkoutIdOf(created.checkoutUrl)}`, { token: fan.token }), 200);
  assert.equal(view.status, 'open');
  assert.equal(view.monthly, true);
  expectStatus(await sandboxAnswer(created.checkoutUrl, fan.token), 200);
  return created;
}

async function simulate(fan, subId, event) {
  return expectStatus(await api.post(`/api/sandbox/subscriptions/${subId}/simulate`, { event }, { token: fan.token }), 200);
}

async function ledgerTxns(kind) {
  const { rows } = await srv.pool.query('SELECT * FROM ledger_transactions WHERE kind = $1 ORDER BY id', [kind]);
  return rows;
}

async function adminToken() {
  const admin = await registerUser(api);
  await srv.pool.query("UPDATE users SET role = 'admin' WHERE id = $1", [admin.user.id]);
  return (await login(api, admin.input.email, admin.input.password)).token;
}

async function moneyRows() {
  const { rows } = await srv.pool.query(`SELECT
    (SELECT count(*) FROM subscriptions)::int AS subscriptions, (SELECT count(*) FROM checkouts)::int AS checkouts,
    (SELECT count(*) FROM payments)::int AS payments, (SELECT count(*) FROM ledger_entries)::int AS entries,
    (SELECT count(*) FROM sandbox_objects)::int AS sandbox, (SELECT count(*) FROM payouts)::int AS payouts`);
  return rows[0];
}

describe('the sandbox journey (docs/payments.md)', () => {
  test('subscribe, upgrade with proration, three failures lock, recovery unlocks, cancel keeps access to the end', async () => {
    const { artist, trackId, superTrackId } = await artistWithGatedTrack();
    const fan = await registerUser(api);
    assert.equal(await playable(trackId, fan.token), false, 'locked before subscribing');

    // 1. supporter: the supporter-gated track becomes playable
    const created = await subscribe(fan, artist.user.id, 'supporter');
    let active = expectStatus(await api.get('/api/subscriptions/active', { token: fan.token }), 200).subscriptions;
    assert.equal(active.length, 1);
    assert.equal(active[0].status, 'active');
    assert.equal(active[0].tier, 'supporter');
    assert.equal(active[0].priceCents, 500);
    assert.equal(await playable(trackId, fan.token), true);
    assert.equal(await playable(superTrackId, fan.token), false);
    const [first] = await ledgerTxns('subscription');
    assert.ok(first, 'the first payment is in the ledger');

    // 2. upgrade to superfan: immediate, and the ledger records a proration
    const up = expectStatus(await api.post(`/api/subscriptions/${created.subscriptionId}/change`, { tier: 'superfan' }, { token: fan.token }), 200);
    assert.equal(up.tier, 'superfan');
    assert.equal(await playable(superTrackId, fan.token), true);
    const prorations = await ledgerTxns('proration');
    assert.equal(prorations.length, 1);
    const { rows: prorated } = await srv.pool.query("SELECT amount_cents FROM payments WHERE kind = 'proration'");
    assert.ok(prorated[0].amount_cents > 490 && prorated[0].amount_cents <= 500, `almost a full period: ${prorated[0].amount_cents}`);

    // 3. three failed renewal attempts: past_due, the track locks again
    let sub = await simulate(fan, created.subscriptionId, 'payment_failure');
    assert.equal(sub.status, 'active', 'one failure keeps perks');
    sub = await simulate(fan, created.subscriptionId, 'payment_failure');
    assert.equal(sub.status, 'active');
    assert.equal(await playable(trackId, fan.token), true);
    sub = await simulate(fan, created.subscriptionId, 'payment_failure');
    assert.equal(sub.status, 'past_due');
    assert.equal(sub.access, 'free');
    assert.equal(await playable(trackId, fan.token), false);

    // 4. recovery unlocks it
    sub = await simulate(fan, created.subscriptionId, 'recovery');
    assert.equal(sub.status, 'active');
    assert.equal(sub.failedPaymentAttempts, 0);
    assert.equal(await playable(trackId, fan.token), true);

    // 5. cancel at period end keeps access until the end
    sub = expectStatus(await api.post(`/api/subscriptions/${created.subscriptionId}/cancel`, undefined, { token: fan.token }), 200);
    assert.equal(sub.cancelAtPeriodEnd, true);
    assert.equal(await playable(trackId, fan.token), true, 'still paid up');
    sub = expectStatus(await api.post(`/api/subscriptions/${created.subscriptionId}/resume`, undefined, { token: fan.token }), 200);
    assert.equal(sub.cancelAtPeriodEnd, false, 'resumed before the end');
    expectStatus(await api.post(`/api/subscriptions/${created.subscriptionId}/cancel`, undefined, { token: fan.token }), 200);
    sub = await simulate(fan, created.subscriptionId, 'period_end');
    assert.equal(sub.status, 'canceled');
    assert.equal(await playable(trackId, fan.token), false, 'the period ended');
    active = expectStatus(await api.get('/api/subscriptions/active', { token: fan.token }), 200).subscriptions;
    assert.equal(active.length, 0);

    const history = expectStatus(await api.get('/api/payments/history', { token: fan.token }), 200);
    assert.deepEqual(history.payments.map((p) => p.kind).sort(), ['proration', 'subscription', 'subscription']);
  });

  test('a downgrade waits for the period end; a renewal then charges the lower price', async () => {
    const { artist, superTrackId } = await artistWithGatedTrack();
    const fan = await registerUser(api);
    const created = await subscribe(fan, artist.user.id, 'superfan');
    let sub = expectStatus(await api.post(`/api/subscriptions/${created.subscriptionId}/change`, { tier: 'supporter' }, { token: fan.token }), 200);
    assert.equal(sub.tier, 'superfan');
    assert.equal(sub.pendingTier, 'supporter');
    assert.equal(await playable(superTrackId, fan.token), true, 'paid for superfan until the period ends');
    sub = await simulate(fan, created.subscriptionId, 'renewal');
    assert.equal(sub.tier, 'supporter');
    assert.equal(sub.pendingTier, null);
    assert.equal(sub.priceCents, 500);
    assert.equal(await playable(superTrackId, fan.token), false);
    const { rows } = await srv.pool.query('SELECT amount_cents FROM payments WHERE subscription_id = $1 ORDER BY created_at', [created.subscriptionId]);
    assert.deepEqual(rows.map((r) => Number(r.amount_cents)), [1000, 500]);
  });

  test('only the checkout\'s own fan may see, pay or decline it: anonymous 401, another user 404, nothing changes', async () => {
    const { artist, trackId } = await artistWithGatedTrack();
    const fan = await registerUser(api);
    const other = await registerUser(api);
    const created = expectStatus(await api.post('/api/subscriptions/create', { artistId: artist.user.id, tier: 'supporter' }, { token: fan.token }), 201);
    const id = checkoutIdOf(created.checkoutUrl);
    for (const answer of ['pay', 'decline']) {
      expectError(await api.post(`/api/sandbox/checkouts/${id}/${answer}`, {}), 401, 'unauthorized');
      expectError(await sandboxAnswer(created.checkoutUrl, other.token, answer), 404, 'not_found');
      expectError(await sandboxAnswer(created.checkoutUrl, artist.token, answer), 404, 'not_found');
    }
    expectError(await api.get(`/api/sandbox/checkouts/${id}`), 401, 'unauthorized');
    expectError(await api.get(`/api/sandbox/checkouts/${id}`, { token: other.token }), 404, 'not_found');
    // The old unauthenticated buttons are gone.
    const old = await api.post(`${pathOf(created.checkoutUrl)}/pay`);
    assert.ok(old.status === 404 || old.status === 405, `old pay path: ${old.status}`);
    assert.equal(await playable(trackId, fan.token), false);
    const view = expectStatus(await api.get(`/api/sandbox/checkouts/${id}`, { token: fan.token }), 200);
    assert.equal(view.status, 'open');
  });

  test('a declined checkout leaves no access and the fan may try again', async () => {
    const { artist, trackId } = await artistWithGatedTrack();
    const fan = await registerUser(api);
    const created = expectStatus(await api.post('/api/subscriptions/create', { artistId: artist.user.id, tier: 'supporter' }, { token: fan.token }), 201);
    const declined = expectStatus(await sandboxAnswer(created.checkoutUrl, fan.token, 'decline'), 200);
    assert.equal(declined.status, 'expired');
    expectError(await sandboxAnswer(created.checkoutUrl, fan.token), 409, 'checkout_closed');
    assert.equal(await playable(trackId, fan.token), false);
    await subscribe(fan, artist.user.id, 'supporter');
    assert.equal(await playable(trackId, fan.token), true);
  });
});

describe('tiers and pricing', () => {
  test('artists set prices and perks; pricing shows on the artist and the pricing endpoint', async () => {
    const artist = await registerUser(api, { role: 'artist', artistName: `Tiers ${uniqueName('t')}` });
    const put = expectStatus(await api.json('PUT', '/api/artists/tiers/supporter',
      { token: artist.token, body: { priceCents: 700, perks: ['Demos', 'Thanks in the liner notes'] } }), 200);
    assert.equal(put.tiers[1].priceCents, 700);
    const pricing = expectStatus(await api.get(`/api/artists/${artist.user.id}/pricing`), 200);
    assert.deepEqual(pricing.tiers.map((t) => [t.tier, t.priceCents]), [['free', 0], ['supporter', 700], ['superfan', 1000]]);
    assert.deepEqual(pricing.tiers[1].perks, ['Demos', 'Thanks in the liner notes']);
    const profile = expectStatus(await api.get(`/api/artists/${artist.user.id}`), 200);
    assert.equal(profile.tiers[1].priceCents, 700);
    expectError(await api.json('PUT', '/api/artists/tiers/superfan', { token: artist.token, body: { priceCents: 600 } }), 422, 'tier_price_order');
    expectError(await api.json('PUT', '/api/artists/tiers/supporter', { token: artist.token, body: { priceCents: 99 } }), 400, 'validation_failed', { field: 'priceCents' });
    expectError(await api.json('PUT', '/api/artists/tiers/supporter', { token: artist.token, body: { priceCents: 5.5 } }), 400, 'validation_failed', { field: 'priceCents' });
    const fan = await registerUser(api);
    expectError(await api.json('PUT', '/api/artists/tiers/supporter', { token: fan.token, body: { priceCents: 800 } }), 403, 'forbidden');
  });

  test('an existing subscriber keeps their price when the artist changes it', async () => {
    const { artist } = await artistWithGatedTrack();
    const fan = await registerUser(api);
    const created = await subscribe(fan, artist.user.id, 'supporter');
    expectStatus(await api.json('PUT', '/api/artists/tiers/supporter', { token: artist.token, body: { priceCents: 800 } }), 200);
    const sub = await simulate(fan, created.subscriptionId, 'renewal');
    assert.equal(sub.priceCents, 500);
    const { rows } = await srv.pool.query('SELECT amount_cents FROM payments WHERE subscription_id = $1', [created.subscriptionId]);
    assert.deepEqual(rows.map((r) => Number(r.amount_cents)), [500, 500]);
  });
});

describe('bad inputs get a clear 4xx and write nothing', () => {
  let artist;
  let fan;
  before(async () => {
    ({ artist } = await artistWithGatedTrack());
    fan = await registerUser(api);
  });

  const cases = () => [
    ['unknown artist', '/api/subscriptions/create', { artistId: '00000000-0000-4000-8000-000000000000', tier: 'supporter' }, 404, 'not_found'],
    ['unknown tier', '/api/subscriptions/create', { artistId: artist.user.id, tier: 'platinum' }, 400, 'validation_failed'],
    ['free is no paid tier', '/api/subscriptions/create', { artistId: artist.user.id, tier: 'free' }, 400, 'validation_failed'],
    ['currency mismatch', '/api/subscriptions/create', { artistId: artist.user.id, tier: 'supporter', currency: 'EUR' }, 422, 'currency_mismatch'],
    ['negative tip', '/api/tips', { artistId: artist.user.id, amountCents: -500 }, 400, 'validation_failed'],
    ['zero tip', '/api/tips', { artistId: artist.user.id, amountCents: 0 }, 400, 'validation_failed'],
    ['overflowing tip', '/api/tips', { artistId: artist.user.id, amountCents: 1e20 }, 400, 'validation_failed'],
    ['non-integer cents', '/api/tips', { artistId: artist.user.id, amountCents: 12.5 }, 400, 'validation_failed'],
    ['cents as a string', '/api/tips', { artistId: artist.user.id, amountCents: '500' }, 400, 'validation_failed'],
    ['tip currency mismatch', '/api/tips', { artistId: artist.user.id, amountCents: 500, currency: 'GBP' }, 422, 'currency_mismatch'],
    ['tip to an unknown artist', '/api/tips', { artistId: 'no-such-artist-slug', amountCents: 500 }, 404, 'not_found'],
  ];

  test('each case', async () => {
    for (const [name, path, body, status, code] of cases()) {
      const before = await moneyRows();
      expectError(await api.post(path, body, { token: fan.token }), status, code);
      assert.deepEqual(await moneyRows(), before, `${name} wrote something`);
    }
  });

  test('an overflowing integer literal is refused', async () => {
    const before = await moneyRows();
    const res = await api.json('POST', '/api/tips', { token: fan.token, rawBody: `{"artistId":"${artist.user.id}","amountCents":99999999999999999999999}`, contentType: 'application/json' });
    expectError(res, 400, 'validation_failed', { field: 'amountCents' });
    assert.deepEqual(await moneyRows(), before);
  });

  test('subscribing to oneself and a duplicate subscription', async () => {
    let before = await moneyRows();
    expectError(await api.post('/api/subscriptions/create', { artistId: artist.user.id, tier: 'supporter' }, { token: artist.token }), 422, 'cannot_subscribe_self');
    assert.deepEqual(await moneyRows(), before);
    await subscribe(fan, artist.user.id, 'supporter');
    before = await moneyRows();
    expectError(await api.post('/api/subscriptions/create', { artistId: artist.user.id, tier: 'superfan' }, { token: fan.token }), 409, 'already_subscribed');
    assert.deepEqual(await moneyRows(), before);
  });
});

describe('webhooks', () => {
  function event(type, object, id = `evt_test_${uniqueName('e')}`) {
    return JSON.stringify({ id, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } });
  }
  const post = (payload, signature) => api.json('POST', '/api/webhooks/stripe',
    { rawBody: payload, contentType: 'application/json', headers: signature === undefined ? {} : { 'stripe-signature': signature } });

  test('signatures from the official stripe library are accepted; tampering is rejected', async () => {
    const payload = event('customer.created', { id: 'cus_x', object: 'customer' });
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    assert.equal(expectStatus(await post(payload, header), 200).outcome, 'ignored');
    const previous = stripe.webhooks.generateTestHeaderString({ payload: event('customer.created', { id: 'cus_y' }), secret: PREVIOUS_SECRET });
    expectError(await post(payload.replace('cus_x', 'cus_z'), header), 400, 'invalid_signature');
    const rotated = event('customer.created', { id: 'cus_y' });
    expectStatus(await post(rotated, stripe.webhooks.generateTestHeaderString({ payload: rotated, secret: PREVIOUS_SECRET })), 200);
    expectError(await post(payload, previous), 400, 'invalid_signature');
    const other = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' });
    expectError(await post(payload, other), 400, 'invalid_signature');
    const old = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 301 });
    expectError(await post(payload, old), 400, 'invalid_signature');
    const t = header.match(/t=(\d+)/)[1];
    expectError(await post(payload, header.replace(`t=${t}`, `t=${Number(t) + 1}`)), 400, 'invalid_signature');
    expectError(await post(payload), 400, 'invalid_signature');
    const { rows } = await srv.pool.query("SELECT count(*)::int AS n FROM webhook_events WHERE payload -> 'data' -> 'object' ->> 'id' = 'cus_z'");
    assert.equal(rows[0].n, 0, 'a refused event is not stored');
  });

  test('the same event delivered 10 times concurrently changes the ledger once', async () => {
    const { artist } = await artistWithGatedTrack();
    const fan = await registerUser(api);
    const created = await subscribe(fan, artist.user.id, 'supporter');
    const { rows: [sub] } = await srv.pool.query('SELECT provider_subscription_id FROM subscriptions WHERE id = $1', [created.subscriptionId]);
    const invoiceId = `in_dup_${uniqueName('i')}`;
    const payload = event('invoice.paid', {
      id: invoiceId, object: 'invoice', subscription: sub.provider_subscription_id, billing_reason: 'subscription_cycle',
      amount_paid: 500, currency: 'usd', payment_intent: `pi_${invoiceId}`, charge: `ch_${invoiceId}`,
      lines: { object: 'list', data: [{ period: { start: 1, end: 2 } }] },
    });
    const before = (await srv.pool.query('SELECT count(*)::int AS n FROM ledger_entries')).rows[0].n;
    const results = await Promise.all(Array.from({ length: 10 }, () =>
      post(payload, stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }))));
    for (const r of results) expectStatus(r, 200);
    assert.deepEqual(results.map((r) => r.body.outcome).sort(), ['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate',
      'duplicate', 'duplicate', 'duplicate', 'duplicate', 'processed']);
    const after = (await srv.pool.query('SELECT count(*)::int AS n FROM ledger_entries')).rows[0].n;
    assert.equal(after - before, 4, 'one charge: fan payments, processor fee, platform fee, artist');
    const { rows } = await srv.pool.query('SELECT deliveries, processed_at FROM webhook_events WHERE payload -> \'data\' -> \'object\' ->> \'id\' = $1', [invoiceId]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].deliveries, 10);
  });
});

describe('tips, refunds, disputes and payouts', () => {
  test('a tip with a message is split by SPEC §3; a refund reverses it', async () => {
    const { artist } = await artistWithGatedTrack();
    const fan = await registerUser(api);
    const tip = expectStatus(await api.post('/api/tips', { artistId: artist.user.id, amountCents: 1000, message: 'Loved the show' }, { token: fan.token }), 201);
    expectStatus(await sandboxAnswer(tip.checkoutUrl, fan.token), 200);
    const history = expectStatus(await api.get('/api/payments/history', { token: fan.token }), 200);
    assert.equal(history.payments[0].kind, 'tip');
    assert.equal(history.payments[0].message, 'Loved the show');
    const { rows: [p] } = await srv.pool.query("SELECT * FROM payments WHERE fan_id = $1 AND kind = 'tip'", [fan.user.id]);
    assert.deepEqual([p.processor_fee_cents, p.platform_fee_cents, p.artist_cents].map(Number), [59, 94, 847]);
    let earnings = expectStatus(await api.get('/api/artists/earnings', { token: artist.token }), 200);
    assert.equal(earnings.balances[0].availableCents, 847);

    const admin = await adminToken();
    expectError(await api.post(`/api/admin/payments/${p.id}/refund`, {}, { token: fan.token }), 403, 'forbidden');
    expectError(await api.post(`/api/admin/payments/${p.id}/refund`, { amountCents: 1001 }, { token: admin }), 422, 'refund_exceeds_payment');
    const refunded = expectStatus(await api.post(`/api/admin/payments/${p.id}/refund`, {}, { token: admin }), 200);
    assert.equal(refunded.status, 'refunded');
    earnings = expectStatus(await api.get('/api/artists/earnings', { token: artist.token }), 200);
    assert.equal(earnings.balances[0].availableCents, 0);
  });

  test('refunding a subscription payment revokes the access it paid for', async () => {
    const { artist, trackId } = await artistWithGatedTrack();
    const fan = await registerUser(api);
    const created = await subscribe(fan, artist.user.id, 'supporter');
    assert.equal(await playable(trackId, fan.token), true);
    const { rows: [p] } = await srv.pool.query('SELECT id FROM payments WHERE subscription_id = $1', [created.subscriptionId]);
    const admin = await adminToken();
    expectStatus(await api.post(`/api/admin/payments/${p.id}/refund`, {}, { token: admin }), 200);
    assert.equal(await playable(trackId, fan.token), false);
  });

  test('a dispute reverses the earning and revokes access; winning it puts the money back', async () => {
    const { artist, trackId } = await artistWithGatedTrack();
    const fan = await registerUser(api);
    const created = await subscribe(fan, artist.user.id, 'superfan');
    const { rows: [p] } = await srv.pool.query('SELECT id FROM payments WHERE subscription_id = $1', [created.subscriptionId]);
    const disputed = expectStatus(await api.post(`/api/sandbox/payments/${p.id}/simulate`, { event: 'dispute_created' }, { token: fan.token }), 200);
    assert.equal(disputed.status, 'disputed');
    assert.equal(await playable(trackId, fan.token), false);
    let earnings = expectStatus(await api.get('/api/artists/earnings', { token: artist.token }), 200);
    assert.equal(earnings.balances[0].availableCents, 0);
    const admin = await adminToken();
    expectStatus(await api.post(`/api/sandbox/payments/${p.id}/simulate`, { event: 'dispute_won' }, { token: admin }), 200);
    earnings = expectStatus(await api.get('/api/artists/earnings', { token: artist.token }), 200);
    assert.equal(earnings.balances[0].availableCents, 847);
  });

  test('payouts: minimum 1000 cents, paid by a job, a reversed transfer returns the money', async () => {
    const { artist } = await artistWithGatedTrack();
    expectError(await api.post('/api/artists/payouts', {}, { token: artist.token }), 409, 'payouts_not_enabled');
    const connect = expectStatus(await api.post('/api/artists/payouts/connect', undefined, { token: artist.token }), 200);
    assert.match(connect.accountId, /^acct_/);
    const fan = await registerUser(api);
    await subscribe(fan, artist.user.id, 'superfan');  // 847 available
    expectError(await api.post('/api/artists/payouts', {}, { token: artist.token }), 422, 'below_minimum');
    const fan2 = await registerUser(api);
    await subscribe(fan2, artist.user.id, 'supporter');  // + 409 = 1256
    const payout = expectStatus(await api.post('/api/artists/payouts', {}, { token: artist.token }), 202);
    assert.equal(payout.amountCents, 1256);
    let list;
    for (let i = 0; i < 100; i++) {
      list = expectStatus(await api.get('/api/artists/payouts', { token: artist.token }), 200);
      if (list.payouts[0].status !== 'pending') break;
      await sleep(100);
    }
    assert.equal(list.payouts[0].status, 'paid');
    let earnings = expectStatus(await api.get('/api/artists/earnings', { token: artist.token }), 200);
    assert.deepEqual([earnings.balances[0].availableCents, earnings.balances[0].paidOutCents], [0, 1256]);
    const reversed = expectStatus(await api.post(`/api/sandbox/payouts/${payout.id}/simulate`, { event: 'transfer_reversed' }, { token: artist.token }), 200);
    assert.equal(reversed.status, 'failed');
    earnings = expectStatus(await api.get('/api/artists/earnings', { token: artist.token }), 200);
    assert.deepEqual([earnings.balances[0].availableCents, earnings.balances[0].paidOutCents], [1256, 0]);
  });

  test('subscribers by tier, for the artist only', async () => {
    const { artist } = await artistWithGatedTrack();
    await subscribe(await registerUser(api), artist.user.id, 'supporter');
    await subscribe(await registerUser(api), artist.user.id, 'superfan');
    const all = expectStatus(await api.get('/api/artists/subscribers', { token: artist.token }), 200);
    assert.deepEqual(all.counts, { supporter: 1, superfan: 1 });
    const supporters = expectStatus(await api.get('/api/artists/subscribers?tier=supporter', { token: artist.token }), 200);
    assert.equal(supporters.subscribers.length, 1);
    expectError(await api.get('/api/artists/subscribers', { token: (await registerUser(api)).token }), 403, 'forbidden');
  });
});

describe('ledger invariants (after everything above)', () => {
  test('every ledger transaction sums to zero and the report reconciles with provider events', async () => {
    const { rows } = await srv.pool.query(`SELECT e.txn_id, a.currency, sum(e.amount_cents) AS s FROM ledger_entries e
      JOIN ledger_accounts a ON a.id = e.account_id GROUP BY e.txn_id, a.currency HAVING sum(e.amount_cents) <> 0`);
    assert.deepEqual(rows, []);
    const { rows: [n] } = await srv.pool.query('SELECT count(*)::int AS n FROM ledger_transactions');
    assert.ok(n.n > 10);
    await assert.rejects(srv.pool.query("UPDATE ledger_entries SET amount_cents = amount_cents + 1 WHERE id = (SELECT min(id) FROM ledger_entries)"), /append-only/);
    await assert.rejects(srv.pool.query(`WITH t AS (INSERT INTO ledger_transactions (kind, reference, currency) VALUES ('tip', 'unbalanced', 'USD') RETURNING id)
      INSERT INTO ledger_entries (txn_id, account_id, amount_cents) SELECT t.id, (SELECT min(id) FROM ledger_accounts WHERE currency = 'USD'), 5 FROM t`), /does not balance|fewer than two/);
    const report = expectStatus(await api.get('/api/admin/payments/reconciliation', { token: await adminToken() }), 200);
    assert.equal(report.unbalancedTransactions, 0);
    const charges = report.lines.find((l) => l.currency === 'USD' && l.line === 'charges');
    assert.ok(charges.ledgerCents > 0);
    for (const line of report.lines) {
      if (line.line !== 'charges') assert.equal(line.matches, true, JSON.stringify(line));
    }
  });
});
