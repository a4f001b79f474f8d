// Browser journey of issue 13, item 2 (docs/buying.md), against the real binary serving the built
// web app: an artist puts a release on sale at a name-your-price minimum in the studio; a fan buys
// it above the minimum through the sandbox checkout, finds it in the Library's collection and
// downloads FLAC and MP3 renditions (made on demand by the job); the artist's earnings list the sale
// with the SPEC §3 split; a refund there removes the purchase from the fan's collection.
// Any console error, uncaught exception, failed request or unexpected HTTP error fails a step.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/helpers/server.mjs';
import { registerUser, uniqueName } from '../api/helpers/fixtures.mjs';
import { uploadAndWait } from '../api/helpers/media.mjs';
import { grantTier } from '../api/helpers/db.mjs';
import { assertClean, assertNoHorizontalOverflow, launchBrowser, openPage, screenshot } from './helpers/browser.mjs';
import { sandbox } from './helpers/sandbox.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.MC_WEB_DIR || path.resolve(here, '..', '..', 'web', 'dist');
const RELEASE_TITLE = 'Paid Light';

let server;
let browser;
let scratch;
let artist;
let fan;
let releaseId;
const state = {};

function makeAudio(name, frequency) {
  const file = path.join(scratch, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i',
    `sine=frequency=${frequency}:duration=6`, '-ac', '2', '-ar', '44100', '-c:a', 'flac', file]);
  return file;
}

function probeCodec(file) {
  return execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=codec_name',
    '-of', 'csv=p=0', file]).toString().trim();
}

async function logIn(session, { email, password }) {
  const { page } = session;
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Clicks the download button of the first track (rows of `rowTestId`) in `format`; returns the saved file. */
async function downloadAs(page, label, name, rowTestId = 'collection-track') {
  await page.getByLabel('Download format').selectOption({ label });
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.getByTestId(rowTestId).first().getByRole('button', { name: /Download/ }).click(),
  ]);
  const file = path.join(scratch, name);
  await download.saveAs(file);
  return { file, suggested: download.suggestedFilename() };
}

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIR, 'index.html')), `web app not built at ${WEB_DIR} (cd web && npm run build)`);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-e2e-buying-'));
  server = await startServer({ name: 'e2e-buying', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  const api = server.api;
  artist = await registerUser(api, { role: 'artist', artistName: `Shop ${uniqueName('s')}` });
  fan = await registerUser(api);
  const rel = await api.json('POST', '/api/releases', { token: artist.token, body: { title: RELEASE_TITLE, kind: 'ep' } });
  assert.equal(rel.status, 201, rel.text);
  releaseId = rel.body.id;
  for (const [i, f] of [[1, 300], [2, 450]]) {
    state.trackIds = [...(state.trackIds ?? []), await uploadAndWait(server, artist.token, makeAudio(`song-${i}.flac`, f), { releaseId, title: `Paid Song ${i}` })];
  }
  const pub = await api.json('PATCH', `/api/releases/${releaseId}`, { token: artist.token, body: { published: true } });
  assert.equal(pub.status, 200, pub.text);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('buying music', () => {
  test('the artist puts the release on sale at a name-your-price minimum', async () => {
    const s = await openPage(browser, server.baseUrl);
    try {
      await logIn(s, artist.input);
      const { page } = s;
      await page.goto(`/studio/releases/${releaseId}`);
      const form = page.getByRole('form', { name: `Price of ${RELEASE_TITLE}` });
      // A price that is not money names the field and changes nothing.
      await form.getByLabel('Price (USD)').fill('five');
      await form.getByRole('button', { name: 'Save price' }).click();
      await form.getByRole('alert').filter({ hasText: 'Price: Enter a price' }).waitFor();
      await form.getByLabel(/Name your price/).check();
      await form.getByLabel('Minimum price (USD)').fill('5.00');
      await form.getByRole('button', { name: 'Save price' }).click();
      await form.getByText('On sale at $5.00 or more.').waitFor();
      assertClean(s, 'pricing');
      const offers = await server.api.get(`/api/artists/${artist.user.id}/offers`);
      const offer = offers.body.offers.find((o) => o.itemId === releaseId);
      assert.deepEqual({ p: offer.priceCents, n: offer.nameYourPrice }, { p: 500, n: true });
    } finally {
      await s.close();
    }
  });

  test('a fan buys it above the minimum, finds it in the collection and downloads FLAC and MP3', async () => {
    const s = await openPage(browser, server.baseUrl);
    try {
      await logIn(s, fan.input);
      const { page } = s;
      await page.goto(`/artist/${artist.user.slug ?? artist.user.id}/release/${releaseId}`);
      const buy = page.getByRole('form', { name: `Buy ${RELEASE_TITLE}` });
      await buy.getByText('$5.00 or more').first().waitFor();
      // Below the minimum: the field says what to do, and no order is made.
      await buy.getByLabel('Your price (USD)').fill('4.00');
      await buy.getByRole('button', { name: 'Buy release' }).click();
      await buy.getByRole('alert').filter({ hasText: 'Your price: Pay at least $5.00.' }).waitFor();
      const none = await server.pool.query('SELECT count(*)::int AS n FROM purchases WHERE fan_id = $1', [fan.user.id]);
      assert.equal(none.rows[0].n, 0);
      await assertNoHorizontalOverflow(page);
      await screenshot(s, 'buying-release');
      await buy.getByLabel('Your price (USD)').fill('7.50');
      await buy.getByRole('button', { name: 'Buy release' }).click();
      await sandbox.pay(page);
      await page.waitForURL(/\/checkout\/success/);
      await page.getByRole('link', { name: 'Go to your collection' }).click();
      await page.waitForURL(/\/library/);
      const item = page.getByTestId('collection-item');
      await item.getByText(RELEASE_TITLE).waitFor();
      await item.getByText('for $7.50').waitFor();
      assert.equal(await page.getByTestId('collection-track').count(), 2);
      await assertNoHorizontalOverflow(page);
      await screenshot(s, 'buying-collection');

      const flac = await downloadAs(page, 'FLAC (lossless)', 'bought.flac');
      assert.equal(flac.suggested, 'Paid Song 1.flac');
      assert.equal(probeCodec(flac.file), 'flac');
      const mp3 = await downloadAs(page, 'MP3 320 kbps', 'bought.mp3');
      assert.equal(mp3.suggested, 'Paid Song 1.mp3');
      assert.equal(probeCodec(mp3.file), 'mp3');
      assertClean(s, 'buying and downloading');
      // The release page knows the fan owns it.
      await page.goto(`/artist/${artist.user.id}/release/${releaseId}`);
      await page.getByTestId('owned').waitFor();
      assertClean(s, 'owned release page');
      state.bought = true;
    } finally {
      await s.close();
    }
  });

  test('a superfan who did not buy the release downloads its original files from the release page', async () => {
    const superfan = await registerUser(server.api);
    await grantTier(server.pool, superfan.user.id, artist.user.id, 'superfan');
    const stranger = await registerUser(server.api);
    const s = await openPage(browser, server.baseUrl);
    try {
      // A fan without the perk is offered the purchase, not downloads.
      await logIn(s, stranger.input);
      const { page } = s;
      await page.goto(`/artist/${artist.user.id}/release/${releaseId}`);
      await page.getByRole('form', { name: `Buy ${RELEASE_TITLE}` }).waitFor();
      assert.equal(await page.getByTestId('superfan-downloads').count(), 0);
      assertClean(s, 'no perk, no downloads');
    } finally {
      await s.close();
    }
    const f = await openPage(browser, server.baseUrl);
    try {
      await logIn(f, superfan.input);
      const { page } = f;
      await page.goto(`/artist/${artist.user.id}/release/${releaseId}`);
      const panel = page.getByTestId('superfan-downloads');
      await panel.getByRole('heading', { name: 'Download' }).waitFor();
      assert.equal(await panel.getByTestId('download-track').count(), 2);
      // The original upload, byte for byte a FLAC, then a rendition, without a purchase.
      const original = await downloadAs(page, 'Original file', 'superfan-original.flac', 'download-track');
      assert.equal(probeCodec(original.file), 'flac');
      const mp3 = await downloadAs(page, 'MP3 320 kbps', 'superfan.mp3', 'download-track');
      assert.equal(mp3.suggested, 'Paid Song 1.mp3');
      assert.equal(probeCodec(mp3.file), 'mp3');
      const bought = await server.pool.query('SELECT count(*)::int AS n FROM purchases WHERE fan_id = $1', [superfan.user.id]);
      assert.equal(bought.rows[0].n, 0, 'the perk needs no purchase');
      await assertNoHorizontalOverflow(page);
      assertClean(f, 'superfan downloads');
    } finally {
      await f.close();
    }
  });

  test('the artist sees the sale with the SPEC §3 split and refunds it; it leaves the collection', async (t) => {
    if (!state.bought) return t.skip('the purchase journey did not finish');
    const s = await openPage(browser, server.baseUrl);
    try {
      await logIn(s, artist.input);
      const { page } = s;
      await page.goto('/studio/earnings');
      const sale = page.getByTestId('sale').filter({ hasText: RELEASE_TITLE });
      await sale.waitFor();
      // 750: processor round(2.9 % × 750) + 30 = 52, platform round(10 % × 698) = 70, artist 628.
      const cells = await sale.getByRole('cell').allTextContents();
      assert.deepEqual(cells.slice(3, 7), ['$7.50', '$0.52', '$0.70', '$6.28']);
      await screenshot(s, 'buying-earnings');
      page.once('dialog', (d) => d.accept());
      await sale.getByRole('button', { name: /Refund/ }).click();
      await page.getByText('Refunded: the purchase is revoked.').waitFor();
      await sale.getByText('refunded $7.50').waitFor();
      assertClean(s, 'refund');
    } finally {
      await s.close();
    }
    const f = await openPage(browser, server.baseUrl);
    try {
      await logIn(f, fan.input);
      await f.page.goto('/library');
      await f.page.getByText('Music you buy appears here').waitFor();
      assert.equal(await f.page.getByTestId('collection-item').count(), 0);
      assertClean(f, 'collection after the refund');
    } finally {
      await f.close();
    }
    const { rows } = await server.pool.query(`SELECT coalesce(sum(e.amount_cents), 0)::bigint AS total FROM ledger_entries e
      JOIN ledger_transactions t ON t.id = e.txn_id JOIN payments p ON p.id = t.payment_id WHERE p.kind = 'purchase'`);
    assert.equal(Number(rows[0].total), 0, 'the purchase and its refund sum to zero in the ledger');
  });
});

describe('release management', () => {
  test('the artist uploads cover art; it appears on the release, track, artist and Discover pages and in the player', async () => {
    const cover = path.join(scratch, 'cover.png');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=800x800:duration=1', '-frames:v', '1', cover]);
    const s = await openPage(browser, server.baseUrl);
    try {
      await logIn(s, artist.input);
      const { page } = s;
      await page.goto(`/studio/releases/${releaseId}`);
      await page.getByLabel('Cover art').setInputFiles(cover);
      await page.getByText('Cover art updated.').waitFor();
      await page.locator('.image-field').getByTestId('cover-art').waitFor();
      assertClean(s, 'cover upload');
      const shown = async (where) => {
        const img = where.getByTestId('cover-art').first();
        await img.waitFor();
        assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the cover image loaded');
        assert.match(await img.getAttribute('src'), /\/media\/images\/.+\/cover-[0-9a-f]+\/\d+\.jpg$/);
      };
      await page.goto(`/artist/${artist.user.id}/release/${releaseId}`);
      await shown(page.locator('.release-hero'));
      await page.goto(`/artist/${artist.user.id}`);
      await shown(page.locator('article.release').filter({ hasText: RELEASE_TITLE }));
      await page.goto(`/track/${state.trackIds[0]}`);
      await shown(page.locator('.release-hero'));
      await page.goto('/');
      await shown(page.locator('li.card').filter({ hasText: RELEASE_TITLE }));
      await page.goto(`/artist/${artist.user.id}/release/${releaseId}`);
      await page.getByRole('button', { name: 'Play all' }).click();
      await shown(page.locator('.player'));
      await assertNoHorizontalOverflow(page);
      await screenshot(s, 'release-cover');
      assertClean(s, 'cover on every surface');
    } finally {
      await s.close();
    }
  });

  test('the artist renames, reorders and re-accesses tracks, and renames and describes the release, in the studio', async () => {
    const api = server.api;
    const rel = await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'Managed EP', kind: 'ep' } });
    assert.equal(rel.status, 201, rel.text);
    state.managedId = rel.body.id;
    for (const title of ['Alpha', 'Beta']) {
      const t = await api.json('POST', `/api/releases/${rel.body.id}/tracks`, { token: artist.token, body: { title } });
      assert.equal(t.status, 201, t.text);
    }
    const s = await openPage(browser, server.baseUrl);
    try {
      await logIn(s, artist.input);
      const { page } = s;
      await page.goto(`/studio/releases/${rel.body.id}`);
      const rows = page.getByTestId('studio-track');
      await rows.first().getByRole('button', { name: 'Edit Alpha' }).waitFor();
      // Rename and re-access one track.
      await page.getByRole('button', { name: 'Edit Alpha' }).click();
      const form = page.getByRole('form', { name: 'Edit Alpha' });
      await form.getByLabel('Track title').fill('Alpha (Remaster)');
      await form.getByLabel('Who can play it').selectOption('superfan');
      await form.getByRole('button', { name: 'Save track' }).click();
      await rows.first().getByRole('button', { name: 'Edit Alpha (Remaster)' }).waitFor();
      await rows.first().getByText('Superfans only').waitFor();
      // Reorder with the keyboard-usable buttons.
      await page.getByRole('button', { name: 'Move Beta up' }).click();
      await rows.first().getByRole('button', { name: 'Edit Beta' }).waitFor();
      await rows.nth(1).getByRole('button', { name: 'Edit Alpha (Remaster)' }).waitFor();
      // Rename the release and give it liner notes; a credit without a name is refused by field.
      const about = page.getByRole('form', { name: 'Release details' });
      await about.getByLabel('Release title').fill('Managed EP (Deluxe)');
      await about.getByLabel('Description').fill('Two songs, one afternoon.');
      await about.getByLabel(/^Credits/).fill('Mixing: Ada Lovelace\nMastering');
      await about.getByRole('button', { name: 'Save details' }).click();
      await about.getByRole('alert').filter({ hasText: 'Credits: line 2 needs a role and a name' }).waitFor();
      await about.getByLabel(/^Credits/).fill('Mixing: Ada Lovelace\nMastering: Grace Hopper');
      await about.getByRole('button', { name: 'Save details' }).click();
      await about.getByText('Release details saved.').waitFor();
      await page.getByRole('heading', { name: 'Managed EP (Deluxe)', level: 1 }).waitFor();
      assertClean(s, 'track management');
      await screenshot(s, 'studio-release');
      await assertNoHorizontalOverflow(page);
    } finally {
      await s.close();
    }
    const { rows } = await server.pool.query('SELECT title, position, min_tier FROM tracks WHERE release_id = $1 ORDER BY position', [rel.body.id]);
    assert.deepEqual(rows.map((r) => [r.position, r.title, r.min_tier]), [[1, 'Beta', 'free'], [2, 'Alpha (Remaster)', 'superfan']]);
    const { rows: [r] } = await server.pool.query('SELECT title, description, credits FROM releases WHERE id = $1', [rel.body.id]);
    assert.deepEqual([r.title, r.description, r.credits], ['Managed EP (Deluxe)', 'Two songs, one afternoon.',
      [{ role: 'Mixing', name: 'Ada Lovelace' }, { role: 'Mastering', name: 'Grace Hopper' }]]);
  });

  test('the artist deletes an unsold release; a bought one is archived instead', async (t) => {
    if (!state.managedId || !state.bought) return t.skip('the earlier journeys did not finish');
    const s = await openPage(browser, server.baseUrl);
    try {
      await logIn(s, artist.input);
      const { page } = s;
      page.on('dialog', (d) => d.accept());
      await page.goto(`/studio/releases/${state.managedId}`);
      await page.getByRole('button', { name: 'Delete release' }).click();
      await page.getByText('“Managed EP (Deluxe)” was deleted, with its files.').waitFor();
      await page.goto(`/studio/releases/${releaseId}`);
      await page.getByRole('button', { name: 'Delete release' }).click();
      await page.getByText(`“${RELEASE_TITLE}” was bought or played, so it is archived`).waitFor();
      await page.getByRole('listitem').filter({ hasText: RELEASE_TITLE }).getByText('archived').first().waitFor();
      assertClean(s, 'deleting releases');
    } finally {
      await s.close();
    }
    const { rows } = await server.pool.query('SELECT id, archived_at IS NOT NULL AS archived, published FROM releases WHERE id = ANY($1::uuid[])', [[state.managedId, releaseId]]);
    assert.deepEqual(rows.map((r) => [r.id, r.archived, r.published]), [[releaseId, true, false]]);
  });
});
