// Typo queries over the generated demo catalogue (`seed-demo --size large`, docs/search.md): shared
// by tests/api/search_scale.test.mjs and bench/search. Deterministic for a seed, so a failure names
// a query that can be rerun by hand.

// A small seeded PRNG (mulberry32): the same seed gives the same queries on every machine.
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Keys next to each other on a QWERTY keyboard: substitutions and insertions a hand would make.
const NEAR = {
  a: 'qwsz', b: 'vghn', c: 'xdfv', d: 'serfcx', e: 'wsdr', f: 'drtgvc', g: 'ftyhbv', h: 'gyujnb', i: 'ujko',
  j: 'huikmn', k: 'jiolm', l: 'kop', m: 'njk', n: 'bhjm', o: 'iklp', p: 'ol', q: 'wa', r: 'edft', s: 'awedxz',
  t: 'rfgy', u: 'yhji', v: 'cfgb', w: 'qase', x: 'zsdc', y: 'tghu', z: 'asx',
};

// One typo in `word` at a position other than the first letter (people rarely get that wrong, and
// the dictionary's trigram index needs something to hold on to): a deleted, substituted (a
// neighbouring key), inserted (a neighbouring key) or transposed letter. Never returns `word`.
export function typo(word, rand) {
  const ops = ['delete', 'substitute', 'insert', 'transpose'];
  for (let attempt = 0; attempt < 20; attempt++) {
    const op = ops[Math.floor(rand() * ops.length)];
    const i = 1 + Math.floor(rand() * (word.length - 1));
    const c = word[i].toLowerCase();
    const near = NEAR[c] ?? 'aeiou';
    const k = near[Math.floor(rand() * near.length)];
    let out = word;
    if (op === 'delete') out = word.slice(0, i) + word.slice(i + 1);
    if (op === 'substitute') out = word.slice(0, i) + k + word.slice(i + 1);
    if (op === 'insert') out = word.slice(0, i) + k + word.slice(i);
    if (op === 'transpose' && i + 1 < word.length) out = word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    if (out.toLowerCase() !== word.toLowerCase()) return { word: out, op };
  }
  throw new Error(`no typo found for ${word}`);
}

// `count` queries, each an artist's full stage name with one typo in its longest word (the
// generated, distinctive part of the name: "Mara Kalomir" → "Mara Kalmoir").
export function typoQueries(artists, { count = 60, seed = 7 } = {}) {
  const rand = prng(seed);
  const pool = [...artists].sort((a, b) => (a.id < b.id ? -1 : 1));
  const out = [];
  const used = new Set();
  while (out.length < count && used.size < pool.length) {
    const a = pool[Math.floor(rand() * pool.length)];
    if (used.has(a.id)) continue;
    used.add(a.id);
    const words = a.stageName.split(' ');
    let longest = 0;
    for (let i = 1; i < words.length; i++) if (words[i].length > words[longest].length) longest = i;
    if (words[longest].length < 5) continue;
    const t = typo(words[longest], rand);
    words[longest] = t.word;
    out.push({ q: words.join(' '), artistId: a.id, stageName: a.stageName, op: t.op });
  }
  return out;
}

// Prefix queries: the first 4–6 letters of an artist's longest word, typed as the start of a search.
export function prefixQueries(artists, { count = 20, seed = 11 } = {}) {
  const rand = prng(seed);
  const pool = [...artists].sort((a, b) => (a.id < b.id ? -1 : 1));
  const out = [];
  for (let n = 0; out.length < count && n < count * 10; n++) {
    const a = pool[Math.floor(rand() * pool.length)];
    const word = a.stageName.split(' ').reduce((x, y) => (y.length > x.length ? y : x));
    if (word.length < 6) continue;
    out.push({ q: word.slice(0, 4 + Math.floor(rand() * 3)), artistId: a.id, stageName: a.stageName });
  }
  return out;
}

// The generated artists of a database (the catalogue's accounts have addresses at the demo domain).
export async function generatedArtists(pool) {
  const { rows } = await pool.query(
    `SELECT a.user_id AS id, a.stage_name AS "stageName" FROM artist_profiles a JOIN users u ON u.id = a.user_id
     WHERE u.email LIKE '%@large.demo.musicconnect.local' ORDER BY a.user_id`);
  return rows;
}
