// A test client for /ws (docs/realtime.md): keeps every message the server sent, in order, and
// lets a test wait for the next one that matches.
import WebSocket from 'ws';

export class WsClient {
  constructor(url, { origin } = {}) {
    this.messages = [];
    this.cursor = 0;
    this.waiters = [];
    this.closed = null;
    this.unexpectedResponse = null;
    this.ws = new WebSocket(url, origin ? { origin } : {});
    this.ws.on('message', (data, isBinary) => {
      const text = data.toString('utf8');
      const parsed = isBinary ? { binary: text } : JSON.parse(text);
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) this.messages.push(m);
      this.wake();
    });
    this.ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString('utf8') }; this.wake(); });
    this.ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => {
        this.unexpectedResponse = { status: res.statusCode, body: body ? JSON.parse(body) : null };
        this.closed = { code: -1, reason: 'unexpected response' };
        this.wake();
      });
    });
    this.ws.on('error', () => {});
    this.nextId = 1;
  }

  static async open(srv, options = {}) {
    const c = new WsClient(srv.baseUrl.replace(/^http/, 'ws') + '/ws', options);
    await c.next((m) => m.op === 'hello');
    return c;
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  send(message) {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  // Sends {op, ch, data} with a fresh id and waits for the reply to it (ok, pong or error).
  async request(op, { ch, data } = {}, { timeoutMs = 10_000 } = {}) {
    const id = `r${this.nextId++}`;
    const m = { op, id };
    if (ch !== undefined) m.ch = ch;
    if (data !== undefined) m.data = data;
    this.send(m);
    return this.next((x) => x.id === id && x.op !== 'event', { timeoutMs, from: 'start' });
  }

  // The next message (after the last one taken) that matches; earlier non-matching ones are kept.
  async next(match = () => true, { timeoutMs = 10_000, from = 'cursor' } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const start = from === 'start' ? 0 : this.cursor;
      for (let i = start; i < this.messages.length; i++) {
        if (match(this.messages[i])) {
          if (from !== 'start') this.cursor = i + 1;
          return this.messages[i];
        }
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting; got ${JSON.stringify(this.messages.slice(-5))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message in ${timeoutMs} ms; last: ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  // Kept channel messages, of one channel and one type when given.
  events(ch, type) {
    return this.messages.filter((m) => m.op === 'event' && (ch === undefined || m.ch === ch) &&
      (type === undefined || m.data.type === type));
  }

  async closedWith({ timeoutMs = 10_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.closed;
  }

  async authed(token, extra = {}) {
    const r = await this.request('auth', { data: { token, ...extra } });
    if (r.op !== 'ok') throw new Error(`auth refused: ${JSON.stringify(r)}`);
    return r;
  }

  close() {
    try { this.ws.close(); } catch { /* already */ }
  }

  terminate() {
    try { this.ws.terminate(); } catch { /* already */ }
  }
}

// Offsets are "<xid>-<id>", ordered as the pair.
export function compareOffsets(a, b) {
  const [ax, ai] = a.split('-').map(BigInt);
  const [bx, bi] = b.split('-').map(BigInt);
  if (ax !== bx) return ax < bx ? -1 : 1;
  if (ai !== bi) return ai < bi ? -1 : 1;
  return 0;
}

// The outbox rows of a real-time channel after an offset, oldest first, as the database has them:
// what a client resuming from `offset` must receive.
// `topic` narrows it to one producer's messages (a user channel also carries notifications, which
// another producer writes asynchronously).
export async function channelRowsAfter(pool, channel, offset, { topic } = {}) {
  const [xid, id] = offset.split('-');
  const { rows } = await pool.query(
    `SELECT xid::text || '-' || id AS offset, topic, payload FROM outbox
      WHERE channel = $1 AND (xid, id) > ($2::xid8, $3::bigint) AND ($4::text IS NULL OR topic = $4)
      ORDER BY outbox.xid, outbox.id`, [channel, xid, id, topic ?? null]);
  return rows;
}
