// bench/web — Lighthouse (npm) on Debian's Chromium, mobile profile, over the web app's main pages:
// Discover, search, artist, release, track, library (a signed-in fan) and studio (a signed-in
// artist). Starts build/musicconnect serve with its embedded PostgreSQL and web/dist, makes a small
// real catalog through the API (artists with bios, releases with cover art, processed tracks), runs
// Lighthouse RUNS times per page (the median run is reported) and saves the scores under
// bench/results/ (web-<UTC stamp>.json / .md and web-latest.md). Exit status: 0 every page meets
// the targets, 1 results saved but a target missed, 2 setup failure. See bench/README.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';
import { startServer } from '../../tests/api/helpers/server.mjs';
import { expectStatus } from '../../tests/api/helpers/http.mjs';
import { registerUser, uniqueName } from '../../tests/api/helpers/fixtures.mjs';
import { readyTrack, scratchDir } from '../../tests/api/helpers/media.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..', '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const WEB_DIR = process.env.MC_WEB_DIR || path.join(ROOT, 'web', 'dist');
// Debian's /usr/bin/chromium is a shell wrapper around this binary.
const CHROMIUM = process.env.CHROMIUM_PATH || ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => fs.existsSync(p));
// Lighthouse's own advice for a noisy machine: several runs per page, the median one reported.
const RUNS = Math.max(1, Number(process.env.RUNS || 5));
const TARGET = { score: 95, cls: 0.05 };
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];

async function picture(dir, name, graph) {
  const file = path.join(dir, name);
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', graph, '-frames:v', '1', file]);
  return fsp.readFile(file);
}

// Four artists, each with a bio, a cover-art release of two processed tracks, published; a fan who
// follows them all.
async function makeCatalog(server, dir) {
  const { api } = server;
  const made = [];
  const colours = ['testsrc2=size=800x800', 'mandelbrot=size=800x800', 'cellauto=size=800x800', 'life=size=800x800:mold=10'];
  for (let i = 0; i < 4; i++) {
    const name = `Bench Artist ${i + 1} ${uniqueName('b').slice(-4)}`;
    const artist = await registerUser(api, { role: 'artist', artistName: name });
    expectStatus(await api.json('PUT', '/api/artists/profile', {
      token: artist.token,
      body: { stageName: name, bio: `${name} makes slow electronic music for late evenings. `.repeat(3), genres: ['electronic'], links: [] },
    }), 200);
    const rel = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: `Night Drive ${i + 1}`, kind: 'ep', genre: 'electronic' } }), 201);
    const cover = await picture(dir, `cover-${i}.png`, colours[i]);
    expectStatus(await api.json('PUT', `/api/releases/${rel.id}/cover`, { token: artist.token, rawBody: cover, contentType: 'image/png' }), 200);
    const tracks = [];
    for (let t = 0; t < 2; t++) {
      tracks.push(await readyTrack(server, artist.token, { releaseId: rel.id, title: `Track ${t + 1} of ${i + 1}` }, { seconds: 20, frequency: 200 + 60 * i + 30 * t }));
    }
    expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true, description: `The ${i + 1}th night drive.` } }), 200);
    const slug = expectStatus(await api.get(`/api/artists/${artist.user.id}`), 200).slug;
    made.push({ artist, name, slug, release: rel, tracks });
  }
  const fan = await registerUser(api);
  for (const m of made) expectStatus(await api.post(`/api/artists/${m.artist.user.id}/follow`, {}, { token: fan.token }), 200);
  // Plays, so that Trending has something to show (a play counts after 30 s of listening).
  for (const m of made) {
    for (const t of m.tracks) expectStatus(await api.json('POST', `/api/content/${t.id}/plays`, { token: fan.token, body: { listenedSeconds: 31 } }), 202);
  }
  return { made, fan };
}

async function logIn(browser, baseUrl, { email, password }) {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}/login`, { waitUntil: 'networkidle0' });
  await page.type('input[type=email]', email);
  await page.type('input[type=password]', password);
  await page.click('form button[type=submit]');
  await page.waitForFunction(() => location.pathname !== '/login' && localStorage.getItem('mc.session') === '1');
  await page.close();
}

async function audit(port, url, { keepStorage }) {
  const result = await lighthouse(url, {
    port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: CATEGORIES,
    formFactor: 'mobile',
    // Signed-in pages keep the session the bench logged in with.
    disableStorageReset: keepStorage,
  });
  const lhr = result.lhr;
  const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]));
  const cls = lhr.audits['cumulative-layout-shift']?.numericValue ?? null;
  const failing = [];
  for (const c of CATEGORIES) {
    for (const ref of lhr.categories[c].auditRefs) {
      const a = lhr.audits[ref.id];
      if (ref.weight > 0 && a.score !== null && a.score < 0.9) failing.push(`${c}: ${a.id} (${a.displayValue ?? a.score})`);
    }
  }
  return {
    url,
    finalUrl: lhr.finalDisplayedUrl,
    scores,
    cls,
    lcpMs: lhr.audits['largest-contentful-paint']?.numericValue ?? null,
    tbtMs: lhr.audits['total-blocking-time']?.numericValue ?? null,
    failing,
    runtimeError: lhr.runtimeError?.message ?? null,
  };
}

async function main() {
  if (!fs.existsSync(path.join(WEB_DIR, 'index.html'))) throw new Error(`${WEB_DIR}/index.html missing: run npm run build in web/`);
  const dir = await scratchDir('bench-web');
  const server = await startServer({ name: 'bench-web', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  let chrome;
  try {
    const { made, fan } = await makeCatalog(server, dir);
    const base = server.baseUrl;
    const a = made[0];
    const pages = [
      ['Discover', '/', null],
      ['Search', `/search?q=${encodeURIComponent('night drive')}`, null],
      ['Artist', `/artist/${a.slug}`, null],
      ['Release', `/artist/${a.slug}/release/${a.release.id}`, null],
      ['Track', `/track/${a.tracks[0].id}`, null],
      ['Library', '/library', fan.input],
      ['Studio', '/studio/releases', a.artist.input],
    ];
    chrome = await chromeLauncher.launch({
      chromePath: CHROMIUM,
      chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
    const rows = [];
    for (const [name, url, who] of pages) {
      if (who) await logIn(browser, base, who);
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await audit(chrome.port, base + url, { keepStorage: !!who }));
      // The median run by performance score (the other categories do not vary between runs).
      runs.sort((x, y) => x.scores.performance - y.scores.performance);
      const r = runs[Math.floor(runs.length / 2)];
      rows.push({ name, path: url, ...r, performanceRuns: runs.map((x) => x.scores.performance) });
      const s = r.scores;
      console.log(`${name.padEnd(9)} perf ${s.performance} (runs ${rows.at(-1).performanceRuns.join(', ')}) a11y ${s.accessibility} bp ${s['best-practices']} seo ${s.seo} CLS ${r.cls?.toFixed(3)}${r.runtimeError ? ` ERROR ${r.runtimeError}` : ''}`);
      for (const f of r.failing) console.log(`          ${f}`);
    }
    browser.disconnect();
    return rows;
  } finally {
    await chrome?.kill();
    await server.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

function report(rows, stamp) {
  const ok = (r) => !r.runtimeError && CATEGORIES.every((c) => r.scores[c] >= TARGET.score) && r.cls !== null && r.cls <= TARGET.cls;
  const lines = [
    `# Web app Lighthouse run ${stamp}`,
    '',
    `Median of ${RUNS} runs per page (by performance score). Lighthouse ${JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'lighthouse', 'package.json'), 'utf8')).version}, mobile profile (simulated throttling), ${execFileSync(CHROMIUM, ['--version']).toString().trim()}, ${os.cpus().length} cores shared with other work.`,
    `Targets: every category ≥ ${TARGET.score}, cumulative layout shift ≤ ${TARGET.cls}.`,
    '',
    '| Page | Performance (runs) | Accessibility | Best practices | SEO | CLS | LCP ms | TBT ms | Met |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} (\`${r.path.replace(/[0-9a-f-]{36}/g, '{id}')}\`) | ${r.scores.performance} (${r.performanceRuns.join(', ')}) | ${r.scores.accessibility} | ${r.scores['best-practices']} | ${r.scores.seo} | ${r.cls?.toFixed(3)} | ${Math.round(r.lcpMs ?? 0)} | ${Math.round(r.tbtMs ?? 0)} | ${ok(r) ? 'yes' : 'no'} |`),
    '',
  ];
  const misses = rows.filter((r) => !ok(r));
  if (misses.length) {
    lines.push('## Below target', '');
    for (const r of misses) lines.push(`- ${r.name}: ${r.runtimeError ?? ''} ${r.failing.join('; ')}`);
    lines.push('');
  }
  return { md: lines.join('\n'), met: misses.length === 0 };
}

let rows;
try {
  rows = await main();
} catch (e) {
  console.error(`bench/web: setup failed: ${e.stack ?? e}`);
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const { md, met } = report(rows, stamp);
await fsp.mkdir(RESULTS, { recursive: true });
await fsp.writeFile(path.join(RESULTS, `web-${stamp}.json`), `${JSON.stringify({ stamp, target: TARGET, pages: rows }, null, 2)}\n`);
await fsp.writeFile(path.join(RESULTS, `web-${stamp}.md`), md);
await fsp.writeFile(path.join(RESULTS, 'web-latest.md'), md);
console.log(md);
process.exit(met ? 0 : 1);
