// Fails the build when the JavaScript a first visit loads is over budget (issue 5: ≤ 250 KB gzipped).
// "First load" is what index.html pulls in before any route runs: its module scripts and the chunks
// it modulepreloads. Lazy chunks (hls.js, the studio) are listed for information and not counted.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const BUDGET_BYTES = Number(process.env.WEB_JS_BUDGET_BYTES || 250_000);
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');

const firstLoad = new Set();
for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) firstLoad.add(m[1]);
for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) firstLoad.add(m[1]);
if (firstLoad.size === 0) {
  console.error('check-budget: index.html loads no module script; is this a Vite build?');
  process.exit(1);
}

const gzipSize = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
let total = 0;
const rows = [];
for (const url of firstLoad) {
  const size = gzipSize(path.join(dist, url.replace(/^\//, '')));
  total += size;
  rows.push([url, size, 'first load']);
}
const assets = path.join(dist, 'assets');
for (const name of fs.readdirSync(assets)) {
  if (!name.endsWith('.js') || firstLoad.has(`/assets/${name}`)) continue;
  rows.push([`/assets/${name}`, gzipSize(path.join(assets, name)), 'lazy']);
}
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
for (const [url, size, kind] of rows) console.log(`${kind.padEnd(10)} ${kb(size).padStart(10)}  ${url}`);
console.log(`first-load JavaScript: ${kb(total)} gzipped (budget ${kb(BUDGET_BYTES)})`);
if (total > BUDGET_BYTES) {
  console.error('check-budget: over budget');
  process.exit(1);
}
