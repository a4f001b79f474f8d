// Baseline peer for bench/http: GET /api/auth/me implemented the way a competent Node.js developer
// would on a 2-core box — node:cluster (one worker per core), Fastify with a response schema,
// node-postgres Pool with a named prepared statement. Same contract as docs/api/accounts.md.
//
// Env: PORT (default 18081), HOST (default 127.0.0.1), DATABASE_URL (required), JWT_SECRET (required),
//      JWT_KID (optional: when set, the token's kid must equal it), WORKERS (default: number of cores),
//      PG_POOL_MAX (per worker, default 10 — node-postgres' default).
import cluster from 'node:cluster';
import crypto from 'node:crypto';
import os from 'node:os';

const WORKERS = Number(process.env.WORKERS || os.availableParallelism());

if (cluster.isPrimary && WORKERS > 1) {
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  let stopping = false;
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.kill('SIGTERM');
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('exit', (w, code, signal) => {
    if (!stopping) {
      console.error(`worker ${w.process.pid} died (${signal || code}); stopping`);
      stop();
      process.exitCode = 1;
    }
  });
} else {
  await startWorker();
}

async function startWorker() {
  const { default: Fastify } = await import('fastify');
  const { default: pg } = await import('pg');

  const databaseUrl = process.env.DATABASE_URL;
  const secret = process.env.JWT_SECRET;
  if (!databaseUrl || !secret) {
    console.error('DATABASE_URL and JWT_SECRET are required');
    process.exit(2);
  }
  const key = Buffer.from(secret, 'utf8');
  const expectedKid = process.env.JWT_KID || null;

  // node-postgres (pg-connection-string) parses libpq unix-socket URLs such as
  // postgresql:///musicconnect?host=/path/to/socket-dir&user=postgres as they are.
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: Number(process.env.PG_POOL_MAX || 10),
  });
  pool.on('error', (err) => console.error('pg pool error:', err.message));

  const ME_QUERY = {
    name: 'auth_me',
    text:
      'SELECT u.id, u.username, u.email, u.role, u.email_verified_at, u.created_at, ' +
      'a.stage_name, a.slug, a.genre FROM users u ' +
      'JOIN sessions s ON s.user_id = u.id AND s.id = $2 AND s.revoked_at IS NULL ' +
      'LEFT JOIN artist_profiles a ON a.user_id = u.id WHERE u.id = $1',
  };

  const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  function b64urlJson(part) {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  }

  // Returns the claims of a valid HS256 access token, or null.
  function verifyAccessToken(token) {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    let header, claims;
    try {
      header = b64urlJson(parts[0]);
      claims = b64urlJson(parts[1]);
    } catch {
      return null;
    }
    if (header === null || typeof header !== 'object' || header.alg !== 'HS256') return null;
    if (typeof header.kid !== 'string' || header.kid === '') return null;
    if (expectedKid !== null && header.kid !== expectedKid) return null;
    // Compared as canonical base64url text, so a signature with altered padding bits is rejected too.
    const expected = Buffer.from(
      crypto.createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest('base64url'),
    );
    const given = Buffer.from(parts[2]);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
    if (claims === null || typeof claims !== 'object') return null;
    if (typeof claims.exp !== 'number' || claims.exp <= Math.floor(Date.now() / 1000)) return null;
    if (claims.iss !== 'musicconnect') return null;
    if (typeof claims.sub !== 'string' || !UUID_RE.test(claims.sub)) return null;
    if (typeof claims.sid !== 'string' || !UUID_RE.test(claims.sid)) return null;
    return claims;
  }

  // "2026-11-26T08:30:00Z", as in accounts.md.
  const isoSeconds = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

  function errorBody(code, message) {
    return { error: { code, message } };
  }

  const app = Fastify({ logger: false });

  app.get('/health', async () => ({ status: 'ok' }));

  app.get(
    '/api/auth/me',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              username: { type: 'string' },
              email: { type: 'string' },
              role: { type: 'string' },
              emailVerified: { type: 'boolean' },
              artistName: { type: ['string', 'null'] },
              artistSlug: { type: ['string', 'null'] },
              genre: { type: ['string', 'null'] },
              createdAt: { type: 'string' },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const auth = request.headers.authorization;
      if (typeof auth !== 'string' || !auth.startsWith('Bearer ')) {
        return reply.code(401).send(errorBody('unauthorized', 'Authentication required'));
      }
      const claims = verifyAccessToken(auth.slice(7).trim());
      if (claims === null) {
        return reply.code(401).send(errorBody('invalid_token', 'Invalid or expired token'));
      }
      let result;
      try {
        result = await pool.query({ ...ME_QUERY, values: [claims.sub, claims.sid] });
      } catch (err) {
        request.log.error(err);
        return reply.code(503).send(errorBody('unavailable', 'Database unavailable'));
      }
      if (result.rows.length === 0) {
        return reply.code(401).send(errorBody('invalid_token', 'Invalid or expired token'));
      }
      const r = result.rows[0];
      return {
        id: r.id,
        username: r.username,
        email: r.email,
        role: r.role,
        emailVerified: r.email_verified_at !== null,
        artistName: r.stage_name,
        artistSlug: r.slug,
        genre: r.genre,
        createdAt: isoSeconds(r.created_at),
      };
    },
  );

  const shutdown = async () => {
    try {
      await app.close();
      await pool.end();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  await app.listen({ port: Number(process.env.PORT || 18081), host: process.env.HOST || '127.0.0.1' });
}
