// bench/search report: reads the two driver outputs, checks the targets, prints a markdown table
// and saves results/search-<stamp>.md and .json and search-latest.md. Exit 0 targets met, 1 missed.
import fs from 'node:fs';
import path from 'node:path';

const [oursFile, naiveFile, resultsDir, stamp, metaJson] = process.argv.slice(2);
const ours = JSON.parse(fs.readFileSync(oursFile, 'utf8'));
const naive = JSON.parse(fs.readFileSync(naiveFile, 'utf8'));
const meta = JSON.parse(metaJson);
const ratio = naive.p99_ms / ours.p99_ms;
const recall = (r) => r.recall.top3 / r.recall.queries;
const targets = [
  { what: 'p99 at 32 clients: naive ÷ ours', target: '≥ 20×', value: `${ratio.toFixed(1)}×`, ok: ratio >= 20 },
  { what: 'top-3 recall on the typo list', target: 'better than naive', value: `${ours.recall.top3}/${ours.recall.queries} vs ${naive.recall.top3}/${naive.recall.queries}`, ok: recall(ours) > recall(naive) },
  { what: 'errors (non-200, network)', target: '0', value: `${ours.errors} / ${naive.errors}`, ok: ours.errors === 0 && naive.errors === 0 },
];
const f = (x) => (x == null ? '–' : x.toFixed(1));
const row = (r, name) => `| ${name} | ${r.requests} | ${f(r.rps)} | ${f(r.p50_ms)} | ${f(r.p90_ms)} | ${f(r.p99_ms)} | ${f(r.max_ms)} | ${r.errors} | ${r.recall.top3}/${r.recall.queries} |`;
const c = meta.catalogue;
const md = `# bench/search — ${stamp}

GET /api/search on the large demo catalogue (${c.artists} artists, ${c.releases} releases, ${c.tracks} tracks,
${c.posts} posts; ${c.dictionary_words} dictionary words; seeded in ${Number(meta.seed_s).toFixed(0)} s), ${ours.concurrency}
closed-loop clients for ${f(ours.duration_s)} s each, over ${ours.mix.typo} one-typo and ${ours.mix.prefix} prefix queries.
Ours and the naive \`ILIKE '%q%'\` baseline (SEARCH_BASELINE=true) run one after the other on the same database.

| Server | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | top-3 recall |
|---|---|---|---|---|---|---|---|---|
${row(ours, 'ours (full text + word dictionary)')}
${row(naive, 'naive ILIKE baseline')}

| Target | Wanted | Measured | |
|---|---|---|---|
${targets.map((t) => `| ${t.what} | ${t.target} | ${t.value} | ${t.ok ? 'pass' : 'FAIL'} |`).join('\n')}

Machine: ${meta.cores} cores, load average ${meta.loadavg_start} at the start and ${meta.loadavg_end} at the end
(other work on the machine slows both sides alike; the ratio is the number to read). Commit ${meta.commit}.

Typo queries ours missed: ${ours.recall.misses.length ? ours.recall.misses.join('; ') : 'none'}.
`;
process.stdout.write(md);
fs.writeFileSync(path.join(resultsDir, `search-${stamp}.md`), md);
fs.writeFileSync(path.join(resultsDir, 'search-latest.md'), md);
fs.writeFileSync(path.join(resultsDir, `search-${stamp}.json`), JSON.stringify({ stamp, meta, ours, naive, ratio, targets }, null, 2));
process.exit(targets.every((t) => t.ok) ? 0 : 1);
