// Starts the real musicconnect binary as a child process, on a fresh VAR_DIR and a free port,
// with its private embedded PostgreSQL, and hands the tests an HTTP client and a pg Pool for it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createClient } from './http.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export const BINARY = process.env.MC_BINARY || path.join(REPO_ROOT, 'build', 'musicconnect');

const READY_TIMEOUT_MS = Number(process.env.MC_READY_TIMEOUT_MS || 90_000);
const STOP_TIMEOUT_MS = Number(process.env.MC_STOP_TIMEOUT_MS || 30_000);
const KEEP = process.env.MC_TEST_KEEP === '1';

// Limits high enough that ordinary tests never trip them; the rate-limit tests lower them.
const DEFAULT_ENV = {
  APP_ENV: 'development',
  HOST: '127.0.0.1',
  RATE_LIMIT_API_PER_MIN: '100000',
  RATE_LIMIT_ANON_PER_MIN: '100000',
  RATE_LIMIT_LOGIN_PER_MIN: '100000',
};

// Variables that would point the server at something outside the test sandbox.
const SCRUBBED_ENV = [
  'DATABASE_URL', 'DATABASE_READ_URL', 'REDIS_URL', 'JWT_SECRET', 'JWT_PREVIOUS_SECRET',
  'SMTP_URL', 'CORS_ORIGINS', 'HTTP_JSON_BODY_LIMIT', 'PORT', 'VAR_DIR', 'HOST',
  'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_WEBHOOK_PREVIOUS_SECRET', 'STRIPE_API_BASE', 'PLATFORM_FEE_BPS',
];

export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// The embedded PostgreSQL runs as the postgres user, so every ancestor of VAR_DIR must be traversable.
function assertTraversable(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if (!(mode & 0o001)) {
      throw new Error(`${d} is not world-traversable (mode ${(mode & 0o777).toString(8)}); ` +
        'the embedded PostgreSQL (user postgres) could not reach VAR_DIR. Set MC_TEST_VAR_BASE elsewhere.');
    }
    if (d === path.dirname(d)) return;
  }
}

function tail(file, bytes = 6000) {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(Math.max(0, buf.length - bytes)).toString('utf8');
  } catch {
    return '(no log)';
  }
}

function procInfo(pid) {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    let cwd = null;
    try { cwd = fs.readlinkSync(`/proc/${pid}/cwd`); } catch { /* not ours to read */ }
    return { pid, ppid, comm, cmdline, cwd };
  } catch {
    return null; // exited meanwhile
  }
}

function allProcesses() {
  return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .map((e) => procInfo(Number(e))).filter(Boolean);
}

/** Processes whose command line mentions `needle` (like `pgrep -f needle`), optionally by name. */
export function processesMatching(needle, { comm } = {}) {
  return allProcesses().filter((p) => p.cmdline.includes(needle) && (!comm || p.comm === comm));
}

/**
 * PostgreSQL processes serving `dataDir`: named postgres, and started with it on the command line or
 * running in it (the postmaster and its children chdir into the data directory).
 * Postmasters are those whose parent is not one of them.
 */
export function postgresFor(dataDir) {
  let real = dataDir;
  try { real = fs.realpathSync(dataDir); } catch { /* removed */ }
  const procs = allProcesses().filter((p) => p.comm === 'postgres' &&
    (p.cmdline.includes(dataDir) || p.cwd === real || p.cwd === dataDir));
  const pids = new Set(procs.map((p) => p.pid));
  return { all: procs, postmasters: procs.filter((p) => !pids.has(p.ppid)) };
}

/** First line of postmaster.pid is the postmaster's pid. */
export function readPostmasterPid(dataDir) {
  try {
    const first = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
    const pid = Number(first.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Start a server. Options: name (for the temp dir), env (extra variables; a function value is called
 * with the server, e.g. `PUBLIC_URL: (s) => s.baseUrl`), args (after `serve`), readyTimeoutMs.
 * Returns an object with baseUrl, varDir, pgDir, dataDir, pool, api (see http.mjs), stop(), kill9(),
 * restart(), pid, logPath.
 */
export async function startServer({ name = 'api', env = {}, args = [], readyTimeoutMs = READY_TIMEOUT_MS } = {}) {
  if (!fs.existsSync(BINARY)) {
    throw new Error(`server binary not found at ${BINARY} (build it, or set MC_BINARY)`);
  }
  const base = process.env.MC_TEST_VAR_BASE || os.tmpdir();
  await fsp.mkdir(base, { recursive: true });
  const runDir = await fsp.mkdtemp(path.join(base, `mc-api-${name}-`));
  await fsp.chmod(runDir, 0o755);
  const varDir = path.join(runDir, 'var');
  await fsp.mkdir(varDir, { mode: 0o755 });
  await fsp.chmod(varDir, 0o755);
  assertTraversable(varDir);

  const server = new TestServer({ name, runDir, varDir, extraEnv: env, args, readyTimeoutMs });
  process.once('exit', () => server.cleanupOnExit());
  try {
    await server.spawn();
  } catch (err) {
    await server.forceCleanup();
    throw err;
  }
  return server;
}

class TestServer {
  constructor({ name, runDir, varDir, extraEnv, args = [], readyTimeoutMs }) {
    this.name = name;
    this.args = args; // after `serve`, e.g. ['--roles', 'ws']
    this.runDir = runDir;
    this.varDir = varDir;
    this.pgDir = path.join(varDir, 'pg');
    this.dataDir = path.join(this.pgDir, 'data');
    this.stdoutPath = path.join(runDir, 'server.stdout.log');
    this.logPath = path.join(runDir, 'server.stderr.log');
    this.extraEnv = extraEnv;
    this.readyTimeoutMs = readyTimeoutMs;
    this.proc = null;
    this.exit = null; // promise of {code, signal} for the current process
    this.pool = null;
    this.port = null;
    this.baseUrl = null;
    this.api = createClient(this);
  }

  get pid() {
    return this.proc?.pid ?? null;
  }

  get running() {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async spawn() {
    this.port = await freePort();
    this.baseUrl = `http://127.0.0.1:${this.port}`;
    const env = { ...process.env };
    for (const k of SCRUBBED_ENV) delete env[k];
    // A value may be a function of the server, for settings that name its address (PUBLIC_URL).
    const extra = Object.fromEntries(Object.entries(this.extraEnv)
      .map(([k, v]) => [k, typeof v === 'function' ? String(v(this)) : v]));
    Object.assign(env, DEFAULT_ENV, extra, { PORT: String(this.port), VAR_DIR: this.varDir });

    const marker = `\n===== ${new Date().toISOString()} spawn ${BINARY} serve (port ${this.port}) =====\n`;
    fs.appendFileSync(this.logPath, marker);
    fs.appendFileSync(this.stdoutPath, marker);
    const out = fs.openSync(this.stdoutPath, 'a');
    const errFd = fs.openSync(this.logPath, 'a');
    const proc = spawn(BINARY, ['serve', ...this.args], { cwd: this.runDir, env, stdio: ['ignore', out, errFd] });
    fs.closeSync(out);
    fs.closeSync(errFd);
    this.proc = proc;
    this.exitExpected = false;
    this.exit = new Promise((resolve) => {
      proc.once('exit', (code, signal) => resolve({ code, signal }));
      proc.once('error', (error) => resolve({ code: null, signal: null, error }));
    });

    await this.waitReady();
    this.pool = await this.openPool();
  }

  async waitReady() {
    const deadline = Date.now() + this.readyTimeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!this.running) {
        const { code, signal, error } = await this.exit;
        throw new Error(`server exited before ready (code ${code}, signal ${signal}${error ? `, ${error.message}` : ''})\n` +
          `--- ${this.logPath} ---\n${tail(this.logPath)}`);
      }
      try {
        const res = await fetch(`${this.baseUrl}/ready`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
        last = `status ${res.status}`;
      } catch (err) {
        last = err.cause?.code || err.message;
      }
      await sleep(100);
    }
    throw new Error(`server not ready after ${this.readyTimeoutMs} ms (last: ${last})\n` +
      `--- ${this.logPath} ---\n${tail(this.logPath)}`);
  }

  get dbUrl() {
    // A server given another's database (DATABASE_URL) has no embedded one of its own.
    if (this.extraEnv.DATABASE_URL) return String(this.extraEnv.DATABASE_URL);
    return fs.readFileSync(path.join(this.pgDir, 'url'), 'utf8').trim();
  }

  async openPool() {
    const pool = new pg.Pool({ connectionString: this.dbUrl, max: 3, idleTimeoutMillis: 1000 });
    pool.on('error', () => {}); // the database may be killed under us (crash tests)
    await pool.query('SELECT 1');
    return pool;
  }

  async closePool() {
    const pool = this.pool;
    this.pool = null;
    if (pool) await pool.end().catch(() => {});
  }

  async waitExit(timeoutMs) {
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM; waits for exit; asserts a clean exit (code 0) and that its PostgreSQL stopped too. */
  async stop() {
    await this.closePool();
    if (this.proc && !this.running && !this.exitExpected) {
      const { code, signal } = await this.exit;
      this.exitExpected = true; // report the crash once
      await this.killOrphans();
      assert.fail(`server had died before stop() (code ${code}, signal ${signal}); log: ${this.logPath}\n` +
        tail(this.logPath, 2000));
    }
    if (this.running) {
      this.exitExpected = true;
      this.proc.kill('SIGTERM');
      const result = await this.waitExit(STOP_TIMEOUT_MS);
      if (result === 'timeout') {
        this.proc.kill('SIGKILL');
        await this.exit;
        await this.killOrphans();
        assert.fail(`server did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM (log: ${this.logPath})`);
      }
      if (result.code !== 0) {
        await this.killOrphans();
        assert.fail(`server exited with code ${result.code}, signal ${result.signal} after SIGTERM ` +
          `(log: ${this.logPath})\n${tail(this.logPath, 3000)}`);
      }
    }
    const left = await this.waitNoPostgres(5000);
    if (left.length) {
      const pm = this.postmasters().map(({ pid, cmdline }) => ({ pid, cmdline }));
      await this.killOrphans();
      assert.fail(`embedded PostgreSQL still running after the server stopped (${left.length} processes; ` +
        `postmaster ${JSON.stringify(pm)}); killed it`);
    }
  }

  /** SIGKILL the server process only (its embedded PostgreSQL is left running, orphaned). */
  async kill9() {
    if (!this.running) return;
    this.exitExpected = true;
    this.proc.kill('SIGKILL');
    await this.exit;
    await this.closePool();
  }

  /** Start again on the same VAR_DIR (graceful stop first if still running). */
  async restart() {
    if (this.running) await this.stop();
    await this.closePool();
    await this.spawn();
  }

  /** Every PostgreSQL process (postmaster and children) on this server's data dir. */
  postgresProcesses() {
    return postgresFor(this.dataDir).all;
  }

  /** The postmaster(s) on this server's data dir: one while running, none once stopped. */
  postmasters() {
    return postgresFor(this.dataDir).postmasters;
  }

  async waitNoPostgres(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = this.postgresProcesses();
      if (left.length === 0 || Date.now() >= deadline) return left;
      await sleep(100);
    }
  }

  /** Kill (by pid) any PostgreSQL still serving this test's data dir. */
  async killOrphans() {
    for (const { pid } of this.postgresProcesses()) {
      try { process.kill(pid, 'SIGQUIT'); } catch { /* gone */ }
    }
    const left = await this.waitNoPostgres(5000);
    for (const { pid } of left) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }

  async forceCleanup() {
    await this.closePool();
    if (this.running) {
      this.proc.kill('SIGKILL');
      await this.exit;
    }
    await this.killOrphans();
  }

  // On process exit: if tests passed, delete everything; otherwise keep logs and state for debugging.
  cleanupOnExit() {
    if (this.running) {
      try { this.proc.kill('SIGKILL'); } catch { /* gone */ }
    }
    for (const { pid } of this.postgresProcesses()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    const failed = process.exitCode !== undefined && process.exitCode !== 0;
    if (failed || KEEP) {
      process.stderr.write(`# server logs kept in ${this.runDir}\n`);
      return;
    }
    try { fs.rmSync(this.runDir, { recursive: true, force: true }); } catch { /* best effort */ }
  }

  /** The dev JWT secret, raw bytes as written by the server. */
  jwtSecret() {
    return fs.readFileSync(path.join(this.varDir, 'secrets', 'jwt_secret'));
  }

  isAlive(pid) {
    return isAlive(pid);
  }
}

export { isAlive };
