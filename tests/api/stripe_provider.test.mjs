// The Stripe provider against the Stripe double (tests/stripe/double.mjs): the requests it sends
// (form-encoded bracket keys, Bearer key, Idempotency-Key), and the same state machine driven by
// Stripe-shaped events signed with the official stripe library.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startStripeDouble } from '../stripe/double.mjs';
import { startServer } from './helpers/server.mjs';
import { readyTrack } from './helpers/media.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { registerUser, uniqueName } from './helpers/fixtures.mjs';

const SECRET_KEY = 'sk_test_double_key';
const WEBHOOK_SECRET = 'whsec_stripe_double_test';
const stripe = new Stripe(SECRET_KEY);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let double;
let srv;
let api;
before(async () => {
  double = await startStripeDouble({ secretKey: SECRET_KEY });
  srv = await startServer({
    name: 'stripe',
    env: { STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_API_BASE: double.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
  });
  api = srv.api;
});
after(async () => { await srv?.stop(); await double?.close(); });

let seq = 0;
async function deliver(type, object, extra = {}) {
  const payload = JSON.stringify({ id: `evt_${Date.now()}_${seq++}`, object: 'event', api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000), type, data: { object }, ...extra });
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  const res = await api.json('POST', '/api/webhooks/stripe', { rawBody: payload, contentType: 'application/json', headers: { 'stripe-signature': header } });
  return expectStatus(res, 200);
}

function lastRequest(method, prefix) {
  return [...double.requests].reverse().find((r) => r.method === method && r.path.startsWith(prefix));
}

async function playable(trackId, token) {
  return expectStatus(await api.get(`/api/content/${trackId}`, { token }), 200).locked === null;
}

// What Stripe does when the customer pays the session: a subscription, its first invoice, events.
async function completeSubscriptionCheckout(sessionId) {
  const session = double.objects.get(sessionId);
  const price = double.objects.get(session.line_items_input[0].price);
  const start = Math.floor(Date.now() / 1000);
  const end = start + 30 * 86400;
  const sub = { id: `sub_${uniqueName('s')}`, object: 'subscription', status: 'active', customer: session.customer,
    current_period_start: start, current_period_end: end, cancel_at_period_end: false,
    items: { object: 'list', data: [{ id: `si_${uniqueName('i')}`, object: 'subscription_item', price }] },
    metadata: { ...session.subscription_data.metadata } };
  double.objects.set(sub.id, sub);
  Object.assign(session, { status: 'complete', payment_status: 'paid', subscription: sub.id });
  await deliver('checkout.session.completed', session);
  await deliver('customer.subscription.created', sub);
  await deliver('invoice.paid', invoiceFor(sub, 'subscription_create', price.unit_amount, start, end));
  return sub;
}

function invoiceFor(sub, reason, amount, start, end) {
  const inv = `in_${uniqueName('i')}`;
  return { id: inv, object: 'invoice', subscription: sub.id, customer: sub.customer, billing_reason: reason,
    amount_paid: amount, currency: 'usd', status: 'paid', payment_intent: `pi_${inv}`, charge: `ch_${inv}`,
    lines: { object: 'list', data: [{ period: { start, end } }] }, subscription_details: { metadata: sub.metadata } };
}

test('subscriptions, upgrades, cancellation and payouts go through Stripe as documented', async () => {
  const artist = await registerUser(api, { role: 'artist', artistName: `Stripe ${uniqueName('a')}` });
  const rel = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'EP', kind: 'ep' } }), 201);
  const track = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'Gated', minTier: 'supporter' });
  expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
  const fan = await registerUser(api);

  const created = expectStatus(await api.post('/api/subscriptions/create', { artistId: artist.user.id, tier: 'supporter' }, { token: fan.token }), 201);
  assert.equal(created.provider, 'stripe');
  assert.match(created.checkoutUrl, /^https:\/\/checkout\.stripe\.test\//);
  const customer = lastRequest('POST', '/v1/customers');
  assert.equal(customer.params.metadata.user_id, fan.user.id);
  assert.equal(customer.headers['stripe-version'], '2024-06-20');
  const price = lastRequest('POST', '/v1/prices');
  assert.deepEqual([price.params.unit_amount, price.params.currency, price.params.recurring.interval, price.params.metadata.tier], ['500', 'usd', 'month', 'supporter']);
  assert.match(price.body, /recurring%5Binterval%5D=month/, 'bracket keys, form-encoded');
  const checkout = lastRequest('POST', '/v1/checkout/sessions');
  assert.equal(checkout.params.mode, 'subscription');
  assert.equal(checkout.params.subscription_data.metadata.subscription_id, created.subscriptionId);
  assert.ok(checkout.headers['idempotency-key'], 'POSTs carry an Idempotency-Key');
  assert.equal(await playable(track.id, fan.token), false);

  const sessionId = [...double.objects.values()].find((o) => o.object === 'checkout.session' && o.metadata.checkout_id === created.checkoutId).id;
  const sub = await completeSubscriptionCheckout(sessionId);
  assert.equal(await playable(track.id, fan.token), true);

  const up = expectStatus(await api.post(`/api/subscriptions/${created.subscriptionId}/change`, { tier: 'superfan' }, { token: fan.token }), 200);
  assert.equal(up.tier, 'superfan');
  const change = lastRequest('POST', `/v1/subscriptions/${sub.id}`);
  assert.equal(change.params.proration_behavior, 'always_invoice');
  assert.equal(change.params.items[0].id, sub.items.data[0].id);

  const canceled = expectStatus(await api.post(`/api/subscriptions/${created.subscriptionId}/cancel`, undefined, { token: fan.token }), 200);
  assert.equal(canceled.cancelAtPeriodEnd, true);
  assert.equal(lastRequest('POST', `/v1/subscriptions/${sub.id}`).params.cancel_at_period_end, 'true');

  // Connect Express onboarding, then account.updated enables payouts
  const connect = expectStatus(await api.post('/api/artists/payouts/connect', undefined, { token: artist.token }), 200);
  assert.match(connect.onboardingUrl, /^https:\/\/connect\.stripe\.test\//);
  assert.equal(lastRequest('POST', '/v1/accounts').params.capabilities.transfers.requested, 'true');
  const account = double.objects.get(connect.accountId);
  expectError(await api.post('/api/artists/payouts', {}, { token: artist.token }), 409, 'payouts_not_enabled');
  Object.assign(account, { charges_enabled: true, payouts_enabled: true, details_submitted: true });
  await deliver('account.updated', account, { account: account.id });

  await deliver('invoice.paid', invoiceFor(sub, 'subscription_cycle', 1000, sub.current_period_end, sub.current_period_end + 30 * 86400));
  const payout = expectStatus(await api.post('/api/artists/payouts', {}, { token: artist.token }), 202);
  assert.equal(payout.amountCents, 409 + 847);
  let list;
  for (let i = 0; i < 100; i++) {
    list = expectStatus(await api.get('/api/artists/payouts', { token: artist.token }), 200);
    if (list.payouts[0].status !== 'pending') break;
    await sleep(100);
  }
  assert.equal(list.payouts[0].status, 'paid');
  const transfer = lastRequest('POST', '/v1/transfers');
  assert.equal(transfer.headers['idempotency-key'], `payout:${payout.id}`);
  assert.deepEqual([transfer.params.amount, transfer.params.currency, transfer.params.destination], ['1256', 'usd', account.id]);
});

test('Stripe error objects become clear API errors and write nothing', async () => {
  const artist = await registerUser(api, { role: 'artist', artistName: `Broken ${uniqueName('b')}` });
  const fan = await registerUser(api);
  // The double refuses an unknown price (resource_missing) when the cached price id is stale.
  await srv.pool.query(`INSERT INTO provider_prices (provider, artist_id, tier, price_cents, currency, price_id)
    VALUES ('stripe', $1, 'supporter', 500, 'USD', 'price_gone')`, [artist.user.id]);
  const before = (await srv.pool.query('SELECT count(*)::int AS n FROM subscriptions')).rows[0].n;
  const res = await api.post('/api/subscriptions/create', { artistId: artist.user.id, tier: 'supporter' }, { token: fan.token });
  const err = expectError(res, 422, 'payment_provider_refused');
  assert.equal(err.details.code, 'resource_missing');
  assert.equal((await srv.pool.query('SELECT count(*)::int AS n FROM subscriptions')).rows[0].n, before);
});

test('with Stripe configured the sandbox endpoints do not exist (404), even for a signed-in fan', async () => {
  const fan = await registerUser(srv.api);
  const id = '00000000-0000-4000-8000-000000000000';
  expectError(await srv.api.get('/api/sandbox/checkouts/cs_sbx_x', { token: fan.token }), 404, 'not_found');
  for (const path of ['/api/sandbox/checkouts/cs_sbx_x/pay', '/api/sandbox/checkouts/cs_sbx_x/decline']) {
    expectError(await srv.api.post(path, {}, { token: fan.token }), 404, 'not_found');
  }
  expectError(await srv.api.post(`/api/sandbox/subscriptions/${id}/simulate`, { event: 'renewal' }, { token: fan.token }),
    404, 'not_found');
  expectError(await srv.api.post(`/api/sandbox/payments/${id}/simulate`, { event: 'dispute_created' }, { token: fan.token }),
    404, 'not_found');
});
