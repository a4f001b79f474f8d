// Buying music (issue 13, item 2; docs/buying.md): prices on releases and tracks, purchases
// through the sandbox checkout with the SPEC §3 split and the ledger, the fan collection, downloads
// of originals and of FLAC / MP3 320 / AAC 256 renditions made by a job and cached, signed links,
// refunds and disputes that revoke a purchase, the artist's sales, and one order per double click.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { login, registerUser, uniqueName } from './helpers/fixtures.mjs';
import { grantTier } from './helpers/db.mjs';
import { fetchBytes, makeAudio, scratchDir, uploadAndWait } from './helpers/media.mjs';

const run = promisify(execFile);
let srv;
let api;
let dir;
let artist;
let release; // published, name-your-price with a 500 cents minimum, two ready tracks
let trackIds = [];
let draft;

const checkoutIdOf = (url) => new URL(url).pathname.split('/').pop();
const pay = (url, token) => api.post(`/api/sandbox/checkouts/${checkoutIdOf(url)}/pay`, {}, { token });

async function buyAndPay(fan, body) {
  const order = expectStatus(await api.post('/api/purchases', body, { token: fan.token }), 201);
  assert.equal(order.status, 'pending');
  expectStatus(await pay(order.checkoutUrl, fan.token), 200);
  return order;
}

async function collection(fan) {
  return expectStatus(await api.get('/api/me/collection', { token: fan.token }), 200).items;
}

async function moneyRows() {
  const { rows } = await srv.pool.query(`SELECT (SELECT count(*) FROM purchases)::int AS purchases,
    (SELECT count(*) FROM checkouts)::int AS checkouts, (SELECT count(*) FROM payments)::int AS payments,
    (SELECT count(*) FROM ledger_entries)::int AS entries`);
  return rows[0];
}

/** Polls the download until the rendition is made; returns the 200 body. */
async function download(token, trackId, format) {
  for (let i = 0; i < 600; i++) {
    const res = await api.post(`/api/content/${trackId}/download`, { format }, { token });
    if (res.status === 200) return res.body;
    const body = expectStatus(res, 202);
    assert.equal(body.status, 'preparing');
    assert.equal(body.format, format);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${format} of ${trackId} never became ready`);
}

async function probe(file) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries',
    'stream=codec_name,bit_rate:format=format_name,bit_rate', '-of', 'json', file]);
  return JSON.parse(stdout);
}

async function fetchToFile(url, name) {
  const got = await fetchBytes(srv, url);
  assert.equal(got.status, 200, `download of ${url}`);
  const file = path.join(dir, name);
  await fsp.writeFile(file, got.buf);
  return { file, headers: got.headers, bytes: got.buf.length };
}

/** Every ledger transaction about purchase payments sums to zero, and so do they all together. */
async function assertPurchaseLedgerBalanced() {
  const { rows } = await srv.pool.query(`SELECT t.id, t.kind, sum(e.amount_cents)::bigint AS total
    FROM ledger_transactions t JOIN ledger_entries e ON e.txn_id = t.id
    JOIN payments p ON p.id = t.payment_id WHERE p.kind = 'purchase' GROUP BY t.id, t.kind`);
  assert.ok(rows.length > 0, 'purchase transactions exist');
  for (const r of rows) assert.equal(Number(r.total), 0, `ledger transaction ${r.id} (${r.kind}) sums to zero`);
  return rows;
}

before(async () => {
  srv = await startServer({ name: 'buying' });
  api = srv.api;
  dir = await scratchDir('buying');
  artist = await registerUser(api, { role: 'artist', artistName: `Seller ${uniqueName('s')}` });
  release = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'For Sale', kind: 'ep' } }), 201);
  for (const [i, f] of [[1, 330], [2, 550]]) {
    const file = await makeAudio(dir, 'flac', 3, { frequency: f });
    trackIds.push(await uploadAndWait(srv, artist.token, file, { releaseId: release.id, title: `Song ${i}` }));
  }
  expectStatus(await api.json('PATCH', `/api/releases/${release.id}`, { token: artist.token, body: { published: true } }), 200);
  const offer = expectStatus(await api.json('PUT', `/api/releases/${release.id}/price`,
    { token: artist.token, body: { priceCents: 500, nameYourPrice: true } }), 200);
  assert.deepEqual({ p: offer.priceCents, n: offer.nameYourPrice, c: offer.currency }, { p: 500, n: true, c: 'USD' });
  draft = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'Draft', kind: 'single' } }), 201);
  expectStatus(await api.json('PUT', `/api/releases/${draft.id}/price`, { token: artist.token, body: { priceCents: 300 } }), 200);
});
after(async () => { await srv?.stop(); });

describe('prices', () => {
  test('only the artist who owns an item prices it; bad prices change nothing', async () => {
    const fan = await registerUser(api);
    const other = await registerUser(api, { role: 'artist', artistName: `Other ${uniqueName('o')}` });
    const url = `/api/releases/${release.id}/price`;
    expectError(await api.json('PUT', url, { body: { priceCents: 900 } }), 401, 'unauthorized');
    expectError(await api.json('PUT', url, { token: fan.token, body: { priceCents: 900 } }), 403, 'forbidden');
    expectError(await api.json('PUT', url, { token: other.token, body: { priceCents: 900 } }), 404, 'not_found');
    expectError(await api.json('DELETE', url, { token: other.token }), 404, 'not_found');
    for (const bad of [99, 100_001, 5.5, '500', null, -1]) {
      expectError(await api.json('PUT', url, { token: artist.token, body: { priceCents: bad } }), 400, 'validation_failed', { field: 'priceCents' });
    }
    expectError(await api.json('PUT', url, { token: artist.token, body: {} }), 400, 'validation_failed', { field: 'priceCents' });
    expectError(await api.json('PUT', url, { token: artist.token, body: { priceCents: 500, nameYourPrice: 'yes' } }), 400, 'validation_failed', { field: 'nameYourPrice' });
    expectError(await api.json('PUT', url, { token: artist.token, body: { priceCents: 500, discount: 5 } }), 400, 'validation_failed', { field: 'discount' });
    const offers = expectStatus(await api.get(`/api/artists/${artist.user.id}/offers`), 200);
    const mine = offers.offers.find((o) => o.itemId === release.id);
    assert.deepEqual({ p: mine.priceCents, n: mine.nameYourPrice }, { p: 500, n: true }, 'unchanged');
    assert.ok(!offers.offers.some((o) => o.itemId === draft.id), 'a draft is not offered to the public');
    const own = expectStatus(await api.get(`/api/artists/${artist.user.id}/offers`, { token: artist.token }), 200);
    assert.ok(own.offers.some((o) => o.itemId === draft.id), 'the artist sees their draft offers');
  });

  test('a track can be sold on its own, and taken off sale', async () => {
    const offer = expectStatus(await api.json('PUT', `/api/tracks/${trackIds[1]}/price`, { token: artist.token, body: { priceCents: 150 } }), 200);
    assert.deepEqual({ t: offer.itemType, p: offer.priceCents, n: offer.nameYourPrice, r: offer.releaseId }, { t: 'track', p: 150, n: false, r: release.id });
    const off = expectStatus(await api.json('DELETE', `/api/tracks/${trackIds[1]}/price`, { token: artist.token }), 200);
    assert.equal(off.priceCents, null);
    const fan = await registerUser(api);
    expectError(await api.post('/api/purchases', { trackId: trackIds[1] }, { token: fan.token }), 422, 'not_for_sale');
    expectStatus(await api.json('PUT', `/api/tracks/${trackIds[1]}/price`, { token: artist.token, body: { priceCents: 150 } }), 200);
  });
});

describe('buying', () => {
  test('bad purchases are refused with the field named, and write nothing', async () => {
    const fan = await registerUser(api);
    const before = await moneyRows();
    expectError(await api.post('/api/purchases', { releaseId: release.id }), 401, 'unauthorized');
    expectError(await api.post('/api/purchases', {}, { token: fan.token }), 400, 'validation_failed', { field: 'releaseId' });
    expectError(await api.post('/api/purchases', { releaseId: release.id, trackId: trackIds[0] }, { token: fan.token }), 400, 'validation_failed', { field: 'trackId' });
    expectError(await api.post('/api/purchases', { releaseId: 'nope' }, { token: fan.token }), 400, 'validation_failed', { field: 'releaseId' });
    for (const bad of [99, 1_000_001, 7.5, '700']) {
      expectError(await api.post('/api/purchases', { releaseId: release.id, amountCents: bad }, { token: fan.token }), 400, 'validation_failed', { field: 'amountCents' });
    }
    const low = expectError(await api.post('/api/purchases', { releaseId: release.id, amountCents: 499 }, { token: fan.token }), 422, 'amount_below_price', { field: 'amountCents' });
    assert.equal(low.details.minimumCents, 500);
    expectError(await api.post('/api/purchases', { releaseId: crypto.randomUUID() }, { token: fan.token }), 404, 'not_found');
    expectError(await api.post('/api/purchases', { releaseId: draft.id }, { token: fan.token }), 404, 'not_found');
    expectError(await api.post('/api/purchases', { releaseId: release.id }, { token: artist.token }), 422, 'cannot_buy_own');
    expectError(await api.post('/api/purchases', { trackId: trackIds[0] }, { token: fan.token }), 422, 'not_for_sale');
    assert.deepEqual(await moneyRows(), before, 'nothing written');
  });

  test('a name-your-price purchase above the minimum: the split, the ledger, the collection, the sales', async () => {
    const fan = await registerUser(api);
    const order = await buyAndPay(fan, { releaseId: release.id, amountCents: 750 });
    assert.equal(order.amountCents, 750);
    const items = await collection(fan);
    assert.equal(items.length, 1);
    assert.equal(items[0].itemId, release.id);
    assert.equal(items[0].amountCents, 750);
    assert.deepEqual(items[0].tracks.map((t) => t.id), trackIds, 'every track of the release, in order');
    // SPEC §3 on 750: processor round(21.75) + 30 = 52, platform round(0.1 × 698) = 70, artist 628.
    const { rows: [p] } = await srv.pool.query("SELECT * FROM payments WHERE id = (SELECT payment_id FROM purchases WHERE id = $1)", [order.purchaseId]);
    assert.deepEqual([p.kind, Number(p.amount_cents), Number(p.processor_fee_cents), Number(p.platform_fee_cents), Number(p.artist_cents)],
      ['purchase', 750, 52, 70, 628]);
    const sales = expectStatus(await api.get('/api/artists/sales', { token: artist.token }), 200);
    const sale = sales.sales.find((s) => s.purchaseId === order.purchaseId);
    assert.deepEqual([sale.amountCents, sale.processorFeeCents, sale.platformFeeCents, sale.artistCents, sale.purchaseStatus, sale.fan.username],
      [750, 52, 70, 628, 'active', fan.user.username]);
    const { rows: entries } = await srv.pool.query(`SELECT a.kind, e.amount_cents::bigint AS c FROM ledger_entries e
      JOIN ledger_accounts a ON a.id = e.account_id JOIN ledger_transactions t ON t.id = e.txn_id
      WHERE t.payment_id = $1 AND t.kind = 'purchase' ORDER BY a.kind`, [p.id]);
    assert.deepEqual(entries.map((e) => [e.kind, Number(e.c)]),
      [['artist_available', 628], ['fan_payments', -750], ['platform_revenue', 70], ['processor_fees', 52]]);
    await assertPurchaseLedgerBalanced();
    // Owned: a second purchase of the release, or of one of its tracks, is refused.
    expectError(await api.post('/api/purchases', { releaseId: release.id }, { token: fan.token }), 409, 'already_owned');
    expectError(await api.post('/api/purchases', { trackId: trackIds[1] }, { token: fan.token }), 409, 'already_owned');
    const offers = expectStatus(await api.get(`/api/artists/${artist.user.id}/offers`, { token: fan.token }), 200);
    assert.ok(offers.offers.every((o) => o.owned), 'the release and its priced track show as owned');
    expectStatus(await api.get('/api/artists/sales', { token: fan.token }), 403);
  });

  test('concurrent double clicks on "buy" make one order', async () => {
    for (let round = 0; round < 3; round++) {
      const fan = await registerUser(api);
      const results = await Promise.all(Array.from({ length: 6 }, () =>
        api.post('/api/purchases', { releaseId: release.id, amountCents: 600 }, { token: fan.token })));
      const ids = new Set(results.map((r) => expectStatus(r, 201).purchaseId));
      assert.equal(ids.size, 1, `every click answered the same order: ${[...ids]}`);
      const { rows } = await srv.pool.query('SELECT id, status FROM purchases WHERE fan_id = $1', [fan.user.id]);
      assert.deepEqual(rows.map((r) => [r.id, r.status]), [[[...ids][0], 'pending']], 'one order');
      const checkouts = await srv.pool.query("SELECT count(*)::int AS n FROM checkouts WHERE fan_id = $1 AND kind = 'purchase'", [fan.user.id]);
      assert.equal(checkouts.rows[0].n, 1, 'one checkout');
      // Paying it once makes one payment.
      expectStatus(await pay(results[0].body.checkoutUrl, fan.token), 200);
      const payments = await srv.pool.query('SELECT count(*)::int AS n FROM payments WHERE fan_id = $1', [fan.user.id]);
      assert.equal(payments.rows[0].n, 1);
      assert.equal((await collection(fan)).length, 1);
    }
  });

  test('a new amount replaces an unfinished checkout; the same amount returns to it', async () => {
    const fan = await registerUser(api);
    const first = expectStatus(await api.post('/api/purchases', { releaseId: release.id, amountCents: 800 }, { token: fan.token }), 201);
    const again = expectStatus(await api.post('/api/purchases', { releaseId: release.id, amountCents: 800 }, { token: fan.token }), 201);
    assert.equal(again.purchaseId, first.purchaseId);
    assert.equal(again.checkoutUrl, first.checkoutUrl);
    const changed = expectStatus(await api.post('/api/purchases', { releaseId: release.id, amountCents: 900 }, { token: fan.token }), 201);
    assert.notEqual(changed.purchaseId, first.purchaseId);
    const statuses = async () => (await srv.pool.query('SELECT status FROM purchases WHERE fan_id = $1 ORDER BY created_at', [fan.user.id])).rows.map((r) => r.status);
    assert.deepEqual(await statuses(), ['expired', 'pending']);
    expectStatus(await pay(changed.checkoutUrl, fan.token), 200);
    assert.deepEqual((await collection(fan)).map((i) => i.amountCents), [900]);
    // The replaced checkout is still open at the provider: paid after all, it is a duplicate
    // payment the artist sees among the sales (and refunds); the fan still owns the item once.
    expectStatus(await pay(first.checkoutUrl, fan.token), 200);
    assert.deepEqual(await statuses(), ['expired', 'active']);
    assert.deepEqual((await collection(fan)).map((i) => i.amountCents), [900]);
    const sales = expectStatus(await api.get('/api/artists/sales', { token: artist.token }), 200).sales;
    const duplicate = sales.find((s) => s.purchaseId === first.purchaseId);
    assert.deepEqual([duplicate.amountCents, duplicate.purchaseStatus, duplicate.paymentStatus], [800, 'expired', 'succeeded']);
    expectStatus(await api.post(`/api/artists/sales/${duplicate.paymentId}/refund`, undefined, { token: artist.token }), 200);
    assert.deepEqual((await collection(fan)).map((i) => i.amountCents), [900], 'refunding the duplicate keeps the purchase');
    await assertPurchaseLedgerBalanced();
  });

  test('a replaced checkout paid before the new one still buys the item', async () => {
    const fan = await registerUser(api);
    const first = expectStatus(await api.post('/api/purchases', { releaseId: release.id, amountCents: 800 }, { token: fan.token }), 201);
    const second = expectStatus(await api.post('/api/purchases', { releaseId: release.id, amountCents: 1200 }, { token: fan.token }), 201);
    expectStatus(await pay(first.checkoutUrl, fan.token), 200);
    assert.deepEqual((await collection(fan)).map((i) => i.amountCents), [800]);
    const { rows } = await srv.pool.query('SELECT id, status FROM purchases WHERE fan_id = $1', [fan.user.id]);
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.id, r.status])), { [first.purchaseId]: 'active', [second.purchaseId]: 'expired' });
  });
});

describe('downloads', () => {
  let fan;
  before(async () => {
    fan = await registerUser(api);
    await buyAndPay(fan, { releaseId: release.id, amountCents: 500 });
  });

  test('a buyer downloads the original and FLAC, MP3 320 and AAC 256 renditions made once and cached', async () => {
    const original = expectStatus(await api.post(`/api/content/${trackIds[0]}/download`, {}, { token: fan.token }), 200);
    const o = await fetchToFile(original.url, 'original.flac');
    assert.equal((await probe(o.file)).streams[0].codec_name, 'flac');
    const expected = { flac: ['flac', 'flac'], mp3_320: ['mp3', 'mp3'], aac_256: ['aac', 'm4a'] };
    for (const [format, [codec, ext]] of Object.entries(expected)) {
      const link = await download(fan.token, trackIds[0], format);
      assert.equal(link.format, format);
      assert.match(link.filename, new RegExp(`^Song 1\\.${ext}$`));
      assert.ok(Date.parse(link.expiresAt) > Date.now(), 'the link expires in the future');
      const got = await fetchToFile(link.url, `r.${ext}`);
      assert.match(got.headers.get('content-disposition'), new RegExp(`filename="Song 1\\.${ext}"`));
      const info = await probe(got.file);
      assert.equal(info.streams[0].codec_name, codec, `${format} is ${codec}`);
      if (format === 'mp3_320') assert.ok(Number(info.streams[0].bit_rate) >= 300_000, `320 kbps: ${info.streams[0].bit_rate}`);
      if (format === 'aac_256') assert.ok(Number(info.format.bit_rate) >= 150_000, `AAC near 256 kbps: ${info.format.bit_rate}`);
      // Cached: answered at once now, for anyone entitled, without a second job.
      const second = expectStatus(await api.post(`/api/content/${trackIds[0]}/download`, { format }, { token: artist.token }), 200);
      assert.equal(new URL(second.url, 'http://x').pathname, new URL(link.url, 'http://x').pathname);
    }
    const { rows } = await srv.pool.query("SELECT payload->>'format' AS f, count(*)::int AS n FROM jobs WHERE kind = 'downloads.render' AND payload->>'trackId' = $1 GROUP BY 1 ORDER BY 1", [trackIds[0]]);
    assert.deepEqual(rows.map((r) => [r.f, r.n]), [['aac_256', 1], ['flac', 1], ['mp3_320', 1]]);
  });

  test('links are signed and expire; non-buyers, bad formats and tampering are refused', async () => {
    const link = await download(fan.token, trackIds[0], 'flac');
    const tampered = link.url.replace(/s=([A-Za-z0-9_-])/, (m, c) => `s=${c === 'A' ? 'B' : 'A'}`);
    assert.equal((await fetchBytes(srv, tampered)).status, 403);
    const expired = link.url.replace(/e=\d+/, 'e=1000');
    assert.equal((await fetchBytes(srv, expired)).status, 403);
    const stranger = await registerUser(api);
    expectError(await api.post(`/api/content/${trackIds[0]}/download`, { format: 'flac' }, { token: stranger.token }), 403, 'tier_required');
    expectError(await api.post(`/api/content/${trackIds[0]}/download`, { format: 'wav' }, { token: fan.token }), 400, 'validation_failed', { field: 'format' });
    expectError(await api.post(`/api/content/${trackIds[0]}/download`, { format: 'flac' }), 401, 'unauthorized');
  });

  test('the superfan "download original files" perk uses the same path', async () => {
    const superfan = await registerUser(api);
    await grantTier(srv.pool, superfan.user.id, artist.user.id, 'superfan');
    const link = await download(superfan.token, trackIds[1], 'mp3_320');
    const got = await fetchToFile(link.url, 'superfan.mp3');
    assert.equal((await probe(got.file)).streams[0].codec_name, 'mp3');
    const original = expectStatus(await api.post(`/api/content/${trackIds[1]}/download`, { format: 'original' }, { token: superfan.token }), 200);
    assert.equal((await fetchBytes(srv, original.url)).status, 200);
  });

  test('a track bought alone is downloadable; the rest of its release is not', async () => {
    const buyer = await registerUser(api);
    await buyAndPay(buyer, { trackId: trackIds[1] });
    const items = await collection(buyer);
    assert.deepEqual(items.map((i) => [i.itemType, i.itemId, i.tracks.length]), [['track', trackIds[1], 1]]);
    expectStatus(await api.post(`/api/content/${trackIds[1]}/download`, {}, { token: buyer.token }), 200);
    expectError(await api.post(`/api/content/${trackIds[0]}/download`, {}, { token: buyer.token }), 403, 'tier_required');
  });
});

describe('refunds and disputes', () => {
  test('the artist refunds a sale: the purchase is revoked, downloads stop, the ledger sums to zero', async () => {
    const fan = await registerUser(api);
    const order = await buyAndPay(fan, { releaseId: release.id, amountCents: 1000 });
    const sale = expectStatus(await api.get('/api/artists/sales', { token: artist.token }), 200).sales.find((s) => s.purchaseId === order.purchaseId);
    const other = await registerUser(api, { role: 'artist', artistName: `Not seller ${uniqueName('n')}` });
    expectError(await api.post(`/api/artists/sales/${sale.paymentId}/refund`, undefined, { token: other.token }), 404, 'not_found');
    expectError(await api.post(`/api/artists/sales/${sale.paymentId}/refund`, undefined, { token: fan.token }), 403, 'forbidden');
    expectError(await api.post(`/api/artists/sales/${crypto.randomUUID()}/refund`, undefined, { token: artist.token }), 404, 'not_found');
    assert.equal((await collection(fan)).length, 1);
    const refunded = expectStatus(await api.post(`/api/artists/sales/${sale.paymentId}/refund`, undefined, { token: artist.token }), 200);
    assert.equal(refunded.status, 'refunded');
    assert.deepEqual(await collection(fan), [], 'gone from the collection');
    expectError(await api.post(`/api/content/${trackIds[0]}/download`, {}, { token: fan.token }), 403, 'tier_required');
    const after = expectStatus(await api.get('/api/artists/sales', { token: artist.token }), 200).sales.find((s) => s.purchaseId === order.purchaseId);
    assert.deepEqual([after.purchaseStatus, after.paymentStatus, after.refundedCents], ['revoked', 'refunded', 1000]);
    expectError(await api.post(`/api/artists/sales/${sale.paymentId}/refund`, undefined, { token: artist.token }), 422, 'refund_exceeds_payment');
    const rows = await assertPurchaseLedgerBalanced();
    const { rows: [sum] } = await srv.pool.query(`SELECT a.kind, sum(e.amount_cents)::bigint AS c FROM ledger_entries e
      JOIN ledger_accounts a ON a.id = e.account_id JOIN ledger_transactions t ON t.id = e.txn_id
      WHERE t.payment_id = $1 AND a.kind = 'artist_available' GROUP BY a.kind`, [sale.paymentId]);
    assert.equal(Number(sum.c), 0, 'the artist earns nothing from a refunded sale');
    assert.ok(rows.some((r) => r.kind === 'refund'));
    // Bought again after a refund: a new order.
    await buyAndPay(fan, { releaseId: release.id, amountCents: 500 });
    assert.equal((await collection(fan)).length, 1);
  });

  test('a dispute revokes the purchase; a won dispute gives it back; the ledger sums to zero', async () => {
    const fan = await registerUser(api);
    const order = await buyAndPay(fan, { releaseId: release.id, amountCents: 640 });
    const { rows: [{ payment_id: paymentId }] } = await srv.pool.query('SELECT payment_id FROM purchases WHERE id = $1', [order.purchaseId]);
    expectStatus(await api.post(`/api/sandbox/payments/${paymentId}/simulate`, { event: 'dispute_created' }, { token: fan.token }), 200);
    assert.deepEqual(await collection(fan), []);
    expectStatus(await api.post(`/api/sandbox/payments/${paymentId}/simulate`, { event: 'dispute_won' }, { token: fan.token }), 200);
    assert.equal((await collection(fan)).length, 1, 'back after the dispute was won');
    const fan2 = await registerUser(api);
    const lost = await buyAndPay(fan2, { releaseId: release.id, amountCents: 700 });
    const { rows: [{ payment_id: lostPayment }] } = await srv.pool.query('SELECT payment_id FROM purchases WHERE id = $1', [lost.purchaseId]);
    expectStatus(await api.post(`/api/sandbox/payments/${lostPayment}/simulate`, { event: 'dispute_created' }, { token: fan2.token }), 200);
    expectStatus(await api.post(`/api/sandbox/payments/${lostPayment}/simulate`, { event: 'dispute_lost' }, { token: fan2.token }), 200);
    assert.deepEqual(await collection(fan2), []);
    const rows = await assertPurchaseLedgerBalanced();
    assert.ok(rows.some((r) => r.kind === 'dispute') && rows.some((r) => r.kind === 'dispute_won'));
    const { rows: [all] } = await srv.pool.query('SELECT coalesce(sum(amount_cents), 0)::bigint AS total FROM ledger_entries');
    assert.equal(Number(all.total), 0, 'the whole ledger sums to zero');
  });
});

// The admin role may refund any sale through the same endpoint.
test('an admin refunds any sale', async () => {
  const fan = await registerUser(api);
  const order = await buyAndPay(fan, { releaseId: release.id, amountCents: 520 });
  const { rows: [{ payment_id: paymentId }] } = await srv.pool.query('SELECT payment_id FROM purchases WHERE id = $1', [order.purchaseId]);
  const admin = await registerUser(api);
  await srv.pool.query("UPDATE users SET role = 'admin' WHERE id = $1", [admin.user.id]);
  const token = (await login(api, admin.input.email, admin.input.password)).token;
  expectStatus(await api.post(`/api/artists/sales/${paymentId}/refund`, undefined, { token }), 200);
  assert.deepEqual(await collection(fan), []);
});
