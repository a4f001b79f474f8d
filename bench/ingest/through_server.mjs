// One "through the server" round of bench/ingest: uploads the file to a running server and reports,
// as JSON, the seconds from the upload's 202 answer until the track lists the 128 kbps rung
// (first_rung_s) and until it is ready (all_ready_s). Polls in-process every 50 ms, so the
// measurement itself costs next to no CPU.
// Usage: node through_server.mjs <baseUrl> <token> <releaseId> <file> <title>
import fs from 'node:fs';
import path from 'node:path';

const [base, token, releaseId, file, title] = process.argv.slice(2);
const auth = { authorization: `Bearer ${token}` };
const form = new FormData();
form.append('releaseId', releaseId);
form.append('title', title);
form.append('file', new Blob([fs.readFileSync(file)]), path.basename(file));
const res = await fetch(`${base}/api/uploads/content`, { method: 'POST', body: form, headers: auth });
if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
const t0 = performance.now();
const { track } = await res.json();
let firstRung = null;
for (;;) {
  const t = await (await fetch(`${base}/api/content/${track.id}`, { headers: auth })).json();
  const now = performance.now();
  if (firstRung === null && Array.isArray(t.rungs) && t.rungs.includes(128)) firstRung = now;
  if (t.status === 'failed') throw new Error(`processing failed: ${t.processingError}`);
  if (t.status === 'ready') {
    console.log(JSON.stringify({ track: track.id, first_rung_s: (firstRung - t0) / 1000, all_ready_s: (now - t0) / 1000 }));
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
