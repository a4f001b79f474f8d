// Browser journeys of issue 10 (real time), against the real binary serving the built web app:
//   a. a notification appears live in the bell: the artist gets new_follower when a fan follows;
//   b. a superfan's direct message reaches the artist's open messages page live (no reload), with
//      typing, a reply and a read receipt ("Seen");
//   c. the artist starts a listening party in the studio and a listener's player follows play,
//      pause and seek (the listener's <audio> currentTime and paused, within a tolerance).
// Any console error, uncaught exception, failed request or unexpected HTTP error fails a step.
// Screenshots of the new pages, at desktop and phone width, go to tests/e2e/screenshots/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/helpers/server.mjs';
import { expectStatus } from '../api/helpers/http.mjs';
import { grantTier } from '../api/helpers/db.mjs';
import { registerUser } from '../api/helpers/fixtures.mjs';
import { makeAudio, makePicture, scratchDir, uploadAndWait } from '../api/helpers/media.mjs';
import { assertClean, assertNoHorizontalOverflow, launchBrowser, openPage, screenshot } from './helpers/browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.MC_WEB_DIR || path.resolve(here, '..', '..', 'web', 'dist');
const TRACK_S = 45;

let server;
let browser;
let dir;
let artist; // {input, token, user}
let artistSlug;
const trackTitles = ['Tidal Lights', 'Low Orbit'];
const sessions = [];

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIR, 'index.html')), `web app not built at ${WEB_DIR} (cd web && npm run build)`);
  server = await startServer({ name: 'e2e-rt', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  browser = await launchBrowser();
  dir = await scratchDir('e2e-rt');
  artist = await registerUser(server.api, { role: 'artist', artistName: `Night Swimmers ${Date.now().toString(36)}` });
  artistSlug = artist.user.artistSlug ?? artist.user.id;
  const releaseId = expectStatus(await server.api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Open Water', kind: 'ep' },
  }), 201).id;
  for (const [i, title] of trackTitles.entries()) {
    const audio = await makeAudio(dir, 'mp3', TRACK_S, { frequency: 220 + 110 * i });
    await uploadAndWait(server, artist.token, audio, { releaseId, title });
  }
  expectStatus(await server.api.json('PATCH', `/api/releases/${releaseId}`, { token: artist.token, body: { published: true } }), 200);
});

after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

async function session() {
  const s = await openPage(browser, server.baseUrl);
  sessions.push(s);
  return s;
}

async function logIn(s, { email, password }) {
  const { page } = s;
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

async function capture(s, name) {
  await s.page.waitForTimeout(300);
  assertClean(s, name);
  await assertNoHorizontalOverflow(s.page);
  await screenshot(s, name);
}

// Marks the document, so a later check can tell that no reload happened in between.
const markDocument = (page) => page.evaluate(() => { window.__mcNoReload = true; });
const stillSameDocument = (page) => page.evaluate(() => window.__mcNoReload === true);

async function until(what, fn, { timeoutMs = 15_000, everyMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('real-time journeys', () => {
  test('a. a notification appears live in the bell when a fan follows the artist', async () => {
    const s = await session();
    const { page } = s;
    // Start from zero: the uploads' processing_finished notifications are read.
    expectStatus(await server.api.json('POST', '/api/notifications/read-all', { token: artist.token, body: {} }), 200);
    await logIn(s, artist.input);
    await page.goto('/studio');
    const bell = page.getByTestId('notification-bell');
    await bell.waitFor();
    await page.waitForLoadState('networkidle');
    assert.equal(await page.getByTestId('notification-count').count(), 0, 'no unread notifications yet');
    await markDocument(page);

    const fan = await registerUser(server.api, { username: `follower_${Date.now().toString(36)}` });
    expectStatus(await server.api.json('POST', `/api/artists/${artist.user.id}/follow`, { token: fan.token, body: {} }), 200);

    await page.getByTestId('notification-count').filter({ hasText: '1' }).waitFor({ timeout: 15_000 });
    assert.match(await bell.getAttribute('aria-label'), /1 unread/);
    assert.ok(await stillSameDocument(page), 'the count arrived without a reload');

    await bell.click();
    await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    const item = page.getByTestId('notification').filter({ hasText: `${fan.input.username} follows you` });
    await item.waitFor();
    await capture(s, 'notifications');
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByText('You are all caught up.').waitFor();
    await until('the bell to clear', async () => (await page.getByTestId('notification-count').count()) === 0);

    await page.goto('/settings');
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await page.getByLabel('New followers').selectOption('email');
    await page.getByText('New followers: in the app and by email. Saved.').waitFor();
    const prefs = expectStatus(await server.api.get('/api/notifications/preferences', { token: artist.token }), 200);
    assert.equal(prefs.preferences.new_follower, 'email');
    assertClean(s, 'notification preferences');
  });

  test('b. a superfan\'s message reaches the artist\'s open messages page live, with typing, a reply and Seen', async () => {
    const fan = await registerUser(server.api, { username: `superfan_${Date.now().toString(36)}` });
    await grantTier(server.pool, fan.user.id, artist.user.id, 'superfan');

    const a = await session();
    await logIn(a, artist.input);
    await a.page.goto('/messages');
    await a.page.getByRole('heading', { level: 1, name: 'Messages' }).waitFor();
    await a.page.getByText('No conversations yet.').waitFor();
    await a.page.waitForLoadState('networkidle');
    await markDocument(a.page);

    const f = await session();
    await logIn(f, fan.input);
    await f.page.goto(`/artist/${artistSlug}`);
    await f.page.getByRole('button', { name: 'Message' }).click();
    const first = 'Hello from the front row! Will you play Tidal Lights live?';
    await f.page.getByLabel(/^Message to /).fill(first);
    await f.page.getByText(`${[...first].length} / 2000`).waitFor();
    await f.page.getByRole('button', { name: 'Send' }).click();
    await f.page.getByTestId('message-sent').filter({ hasText: '4 of 5 messages left' }).waitFor();
    await capture(f, 'artist-message');

    // The new conversation arrives on the artist's page, live.
    const conv = a.page.getByTestId('conversation').filter({ hasText: fan.input.username });
    await conv.waitFor({ timeout: 15_000 });
    await conv.filter({ hasText: 'Hello from the front row' }).waitFor();
    assert.equal(await conv.getByTestId('conversation-unread').innerText().then((t) => t.trim().split(/\s/)[0]), '1');
    assert.ok(await stillSameDocument(a.page), 'the conversation arrived without a reload');
    await conv.click();
    await a.page.getByTestId('message').filter({ hasText: first }).waitFor();

    // The fan opens the conversation; the artist's receipt is already there ("Seen").
    await f.page.getByRole('link', { name: 'Open the conversation' }).click();
    await f.page.getByTestId('message').filter({ hasText: first }).waitFor();
    await f.page.getByTestId('seen').waitFor({ timeout: 15_000 });

    // Typing shows on the other side; the next message arrives in the open thread.
    const composer = f.page.getByLabel(/^Message to /);
    await composer.click();
    await composer.pressSequentially('Also, thank', { delay: 30 });
    await a.page.getByTestId('typing').filter({ hasText: 'is typing' }).waitFor({ timeout: 10_000 });
    await composer.pressSequentially(' you for the new EP.', { delay: 10 });
    await composer.press('Enter');
    await a.page.getByTestId('message').filter({ hasText: 'Also, thank you for the new EP.' }).waitFor({ timeout: 15_000 });
    await a.page.getByTestId('typing').filter({ hasText: /^$/ }).waitFor({ timeout: 10_000 });
    assert.ok(await stillSameDocument(a.page), 'messages arrived without a reload');
    await f.page.getByTestId('quota').filter({ hasText: '3 of 5' }).waitFor();

    // The artist replies; the fan sees it live and, having it on screen, sends the receipt.
    await a.page.getByLabel(/^Message to /).fill('Thank you! Yes, it is on the set list.');
    await a.page.getByRole('button', { name: 'Send' }).click();
    await f.page.getByTestId('message').filter({ hasText: 'it is on the set list' }).waitFor({ timeout: 15_000 });
    await a.page.getByTestId('seen').waitFor({ timeout: 15_000 });

    // The fan attaches a picture (keyboard: the button opens the file chooser); the artist sees it
    // live, inline. The artist answers with an audio clip, which the fan gets as a player.
    const photo = await makePicture(dir, 'front-row.png', 'testsrc2=s=800x600');
    const chooser = f.page.waitForEvent('filechooser');
    await f.page.getByRole('button', { name: 'Attach picture or audio' }).focus();
    await f.page.keyboard.press('Enter');
    await (await chooser).setFiles(photo);
    await f.page.getByTestId('attach-pending').filter({ hasText: 'Picture: front-row.png' }).waitFor({ timeout: 30_000 });
    await f.page.getByLabel(/^Message to /).fill('The view from the front row');
    await f.page.getByRole('button', { name: 'Send' }).click();
    const pictured = a.page.getByTestId('message').filter({ hasText: 'The view from the front row' });
    await pictured.getByTestId('message-image').waitFor({ timeout: 15_000 });
    assert.ok(await pictured.getByTestId('message-image').evaluate((img) => img.complete && img.naturalWidth === 800), 'the picture is shown');
    assert.ok(await stillSameDocument(a.page), 'the picture arrived without a reload');
    await f.page.getByTestId('quota').filter({ hasText: '2 of 5' }).waitFor();

    const clip = await makeAudio(dir, 'wav', 3);
    await a.page.getByTestId('attach-input').setInputFiles(clip);
    await a.page.getByTestId('attach-pending').filter({ hasText: 'Audio:' }).waitFor({ timeout: 30_000 });
    await a.page.getByRole('button', { name: 'Send' }).click();
    await f.page.getByTestId('message-audio').waitFor({ timeout: 15_000 });

    // A file that is neither is refused in words naming the attachment.
    const notes = path.join(dir, 'notes.png');
    await fsp.writeFile(notes, 'these are words, not a picture');
    f.allow(/\/api\/messaging\/attachments$/);
    await f.page.getByTestId('attach-input').setInputFiles(notes);
    await f.page.getByText(/Attachment: this file is neither a picture/).waitFor();

    // Search in my messages.
    await a.page.getByLabel('Search my messages').fill('set list');
    await a.page.getByRole('button', { name: 'Search', exact: true }).click();
    await a.page.getByText(/1 message found|2 messages found/).waitFor();
    await a.page.getByRole('button', { name: 'Clear' }).click();

    await capture(a, 'messages-artist');
    await capture(f, 'messages-fan');

    // The sixth message of the month is refused in words.
    for (let i = 0; i < 2; i++) {
      expectStatus(await server.api.json('POST', '/api/messaging/send', { token: fan.token, body: { recipientId: artist.user.id, body: `more ${i}` } }), 201);
    }
    f.allow(/\/api\/messaging\/send$/);
    await f.page.getByLabel(/^Message to /).fill('One more?');
    await f.page.getByRole('button', { name: 'Send' }).click();
    await f.page.getByText(/You have sent this month's 5 messages to this artist/).waitFor();
    assertClean(f, 'quota refusal');
  });

  test('c. the artist starts a party and a listener\'s player follows play, pause and seek', async () => {
    const h = await session();
    await logIn(h, artist.input);
    await h.page.goto('/studio/parties');
    await h.page.getByRole('heading', { level: 1, name: 'Listening parties' }).waitFor();
    // A missing title is explained in words under the field.
    await h.page.getByRole('button', { name: 'Start the party' }).click();
    await h.page.getByText('Party title is required: give the party a title.').waitFor();
    await h.page.getByText('Tracks: pick at least one track for the queue.').waitFor();
    await h.page.getByLabel('Party title').fill('Release night');
    for (const t of trackTitles) await h.page.getByRole('checkbox', { name: new RegExp(t) }).check();
    await h.page.getByLabel('Capacity (listeners)').fill('50');
    await h.page.getByRole('button', { name: 'Start the party' }).click();
    await h.page.getByText('“Release night” is live.').waitFor();
    const party = (await server.api.get(`/api/parties?artistId=${artist.user.id}`)).body.parties.find((p) => p.title === 'Release night');
    assert.ok(party, 'the party exists');
    await h.page.getByRole('link', { name: /Open the room/ }).first().click();
    await h.page.getByRole('heading', { level: 1, name: 'Release night' }).waitFor();
    await h.page.getByRole('group', { name: 'Host controls' }).waitFor();

    const fan = await registerUser(server.api, { username: `listener_${Date.now().toString(36)}` });
    const l = await session();
    await logIn(l, fan.input);
    await l.page.goto(`/artist/${artistSlug}`);
    await l.page.getByRole('link', { name: /Join the party/ }).click();
    await l.page.getByRole('heading', { level: 1, name: 'Release night' }).waitFor();

    const audio = l.page.getByTestId('audio');
    const media = () => audio.evaluate((el) => ({ t: el.currentTime, paused: el.paused, ready: el.readyState }));
    const partyState = async () => expectStatus(await server.api.get(`/api/parties/${party.id}`, { token: artist.token }), 200).state;
    const truth = (s) => (s.playing ? s.positionMs + (Date.now() - s.serverTime) : s.positionMs) / 1000;
    // Waits until the listener's audio is within `tolerance` s of the party and plays (or not) like it.
    const follows = async (what, { playing, tolerance = 0.35 }) => {
      let seen;
      await until(what, async () => {
        const s = await partyState();
        const m = await media();
        seen = { audio: m, party: truth(s), playing: s.playing };
        return m.paused === !playing && s.playing === playing && Math.abs(m.t - truth(s)) <= tolerance;
      }, { timeoutMs: 20_000, everyMs: 150 }).catch((e) => {
        throw new Error(`${e.message}: last seen ${JSON.stringify(seen)}`);
      });
      return seen;
    };

    // Joined late: playing, at the live position.
    await follows('the listener to play at the live position', { playing: true });
    const t1 = (await media()).t;
    await l.page.waitForTimeout(1000);
    assert.ok((await media()).t > t1 + 0.5, 'the listener\'s audio clock advances');
    await l.page.getByTestId('listener-count').filter({ hasText: /[1-9]\d* listening/ }).waitFor({ timeout: 15_000 });

    // Pause.
    await h.page.getByRole('button', { name: 'Pause', exact: true }).click();
    const paused = await follows('the listener to pause with the host', { playing: false });
    await l.page.waitForTimeout(800);
    const still = await media();
    assert.ok(still.paused && Math.abs(still.t - paused.party) <= 0.35, `stays paused at the party's position: ${JSON.stringify(still)} vs ${paused.party}`);

    // Play again.
    await h.page.getByRole('button', { name: 'Play', exact: true }).click();
    await follows('the listener to resume with the host', { playing: true });

    // Seek to 30 s.
    await h.page.getByLabel('Seek (for everyone)').fill('30');
    await until('the seek to reach the server', async () => {
      const s = await partyState();
      return s.positionMs >= 30_000 && s.positionMs < 31_000;
    });
    const sought = await follows('the listener to follow the seek', { playing: true });
    assert.ok(sought.audio.t >= 29.5, `the listener jumped to 30 s: ${JSON.stringify(sought)}`);

    // Chat and a reaction, seen on the other side.
    await l.page.getByRole('textbox', { name: 'Chat message' }).fill('This sounds amazing');
    await l.page.getByRole('button', { name: 'Send' }).click();
    await h.page.getByTestId('party-chat').getByText('This sounds amazing').waitFor({ timeout: 10_000 });
    await l.page.getByRole('button', { name: 'React: fire' }).click();
    await h.page.getByRole('button', { name: 'React: fire (1)' }).waitFor({ timeout: 10_000 });

    await capture(h, 'party-host');
    await capture(l, 'party-listener');

    // The host ends the party: the listener is told, and the studio shows the summary.
    h.page.once('dialog', (d) => d.accept());
    await h.page.getByRole('button', { name: 'End party' }).click();
    await l.page.getByRole('heading', { name: 'This listening party has ended' }).waitFor({ timeout: 15_000 });
    await until('the listener\'s audio to stop', async () => (await media()).paused);
    await h.page.goto('/studio/parties');
    const ended = h.page.getByTestId('ended-party').filter({ hasText: 'Release night' });
    await ended.getByTestId('party-summary').waitFor();
    assert.match(await ended.innerText(), /Peak listeners\s*[1-9]/);
    assert.match(await ended.innerText(), /Chat messages\s*1/);
    await capture(h, 'studio-parties');
    assertClean(l, 'party listener');
  });
});
