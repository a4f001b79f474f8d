// HTTP client and latency histogram of the soak/chaos driver: node:http with keep-alive, bounded
// sockets, a timeout per request, and every outcome (status, network error, timeout) returned —
// never thrown — so the driver can count it.
import nodeHttp from 'node:http';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Idle keep-alive sockets are closed after 50 s, before the server's idle timeout (75 s) closes them:
// otherwise a request sent on a socket the server is closing at that instant fails with
// ECONNRESET (the keep-alive race every HTTP client has to avoid; a 30-minute soak met it once,
// 29 requests on sockets opened together in a burst).
const IDLE_SOCKET_MS = 50_000;
export class Agent extends nodeHttp.Agent {
  constructor(maxSockets) { super({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: IDLE_SOCKET_MS }); }
}

class Reply {
  constructor(status, body, error) { this.status = status; this.body = body; this.error = error; }
  get ok() { return this.status >= 200 && this.status < 300; }
  text() { return this.body ? this.body.toString('utf8') : ''; }
  json() { return JSON.parse(this.text()); }
  detail() {
    if (this.error) return this.error;
    try { const e = this.json().error; return e ? `${e.code}: ${e.message}` : this.text().slice(0, 200); } catch { return this.text().slice(0, 200); }
  }
}

export class Http {
  constructor(base, agent) { this.url = new URL(base); this.agent = agent; }

  // opts: token, json, body + type, accept, raw (media: no JSON accept header), timeout (ms, default 10 s)
  request(method, path, opts = {}) {
    const headers = { accept: opts.accept ?? (opts.raw ? '*/*' : 'application/json') };
    let body = opts.body;
    if (opts.json !== undefined) { body = Buffer.from(JSON.stringify(opts.json)); headers['content-type'] = 'application/json'; }
    if (opts.type) headers['content-type'] = opts.type;
    if (body) headers['content-length'] = body.length;
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    return new Promise((resolve) => {
      let done = false;
      const finish = (r) => { if (!done) { done = true; resolve(r); } };
      const req = nodeHttp.request({ host: this.url.hostname, port: this.url.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => finish(new Reply(res.statusCode, Buffer.concat(chunks))));
        res.on('error', (e) => finish(new Reply(0, null, `response: ${e.code ?? e.message}`)));
      });
      req.setTimeout(opts.timeout ?? 10000, () => { req.destroy(new Error('timeout')); });
      req.on('error', (e) => finish(new Reply(0, null, e.message === 'timeout' ? 'timeout' : `${e.code ?? e.message}`)));
      req.end(body);
    });
  }
}

// Log-bucketed latency histogram (1 % resolution), mergeable, constant memory per window.
const STEP = Math.log(1.01);
export class Histogram {
  constructor() { this.buckets = new Map(); this.count = 0; this.max = 0; }
  add(ms) {
    const b = Math.round(Math.log(Math.max(ms, 0.001) * 1000) / STEP);
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1);
    this.count++;
    if (ms > this.max) this.max = ms;
  }
  merge(h) {
    for (const [b, n] of h.buckets) this.buckets.set(b, (this.buckets.get(b) ?? 0) + n);
    this.count += h.count;
    this.max = Math.max(this.max, h.max);
  }
  percentile(p) {
    if (!this.count) return null;
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    let rank = Math.ceil((p / 100) * this.count);
    for (const k of keys) { rank -= this.buckets.get(k); if (rank <= 0) return Math.exp(k * STEP) / 1000; }
    return this.max;
  }
}
