// bench/ws's Node.js peer: the /ws gateway's work done the way a competent Node developer would
// with Socket.IO 4 — sign-in with the server's access token, a room per channel, broadcast.
//
//   PORT=28301 JWT_SECRET=… [REDIS_URL=redis://127.0.0.1:6379] node server.mjs
//
// - Sign-in: the Engine.IO handshake's `auth.token` is the same HS256 access token the C++
//   server accepts (kid = first 12 hex digits of SHA-256(secret), iss, exp; checked with
//   node:crypto and timingSafeEqual). Refused: connect_error "unauthorized".
// - `sub` event (channel, ack): `user:<id>` only for that user, `artist:`/`party:` for anyone
//   signed in; the socket joins the room and the ack is {ok: true}.
// - POST /publish {ch, type, payload}: io.to(ch).emit("event", {ch, type, payload}) — one
//   serialisation, as Socket.IO broadcasts. Answers 202.
// - REDIS_URL: @socket.io/redis-adapter (node-redis v4), so a publish on one node reaches the
//   room's sockets on every node.
// Websocket transport only (no long-polling: the load generator speaks Engine.IO v4 over
// websocket), no per-message deflate (Socket.IO's default), pings every 20 s like the C++ server.
import { createHmac, createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const PORT = Number(process.env.PORT ?? 28301);
const HOST = process.env.HOST ?? '127.0.0.1';
const SECRET = process.env.JWT_SECRET;
if (!SECRET) throw new Error('JWT_SECRET is required');
const KID = process.env.JWT_KID || createHash('sha256').update(SECRET).digest('hex').slice(0, 12);

function verify(token) {
  if (typeof token !== 'string' || token.length > 4096) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  } catch {
    return null;
  }
  if (header.alg !== 'HS256' || header.kid !== KID) return null;
  const expected = createHmac('sha256', SECRET).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (claims.iss !== 'musicconnect' || typeof claims.sub !== 'string' || !(claims.exp > Date.now() / 1000)) return null;
  return claims;
}

const http = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/publish') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let m;
      try {
        m = JSON.parse(Buffer.concat(chunks));
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (typeof m.ch !== 'string') {
        res.writeHead(400).end();
        return;
      }
      io.to(m.ch).emit('event', { ch: m.ch, type: m.type ?? 'bench.message', payload: m.payload ?? {} });
      res.writeHead(202).end();
    });
    return;
  }
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sockets: io.engine.clientsCount }));
    return;
  }
  res.writeHead(404).end();
});

const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  pingInterval: 20000,
  pingTimeout: 20000,
  perMessageDeflate: false,
  maxHttpBufferSize: 16 * 1024,
});

io.use((socket, next) => {
  const claims = verify(socket.handshake.auth?.token);
  if (!claims) return next(new Error('unauthorized'));
  socket.data.user = claims.sub;
  next();
});

io.on('connection', (socket) => {
  socket.on('sub', (ch, ack) => {
    if (typeof ack !== 'function') return;
    if (typeof ch !== 'string' || ch.length > 128) return ack({ ok: false, error: 'invalid_channel' });
    if (ch.startsWith('user:') && ch !== `user:${socket.data.user}`) return ack({ ok: false, error: 'forbidden' });
    if (!/^(user|artist|party):/.test(ch)) return ack({ ok: false, error: 'invalid_channel' });
    socket.join(ch);
    ack({ ok: true });
  });
});

if (process.env.REDIS_URL) {
  const { createClient } = await import('redis');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const pub = createClient({ url: process.env.REDIS_URL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

http.listen(PORT, HOST, () => console.log(`socket.io peer on ${HOST}:${PORT}${process.env.REDIS_URL ? ' with redis' : ''}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
