// The S3-compatible test server (tests/s3/server.mjs: s3rver behind a SigV4-checking front) as a
// child process, for running the API server with MEDIA_STORAGE=s3.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from './server.mjs';

const PACKAGE_DIR = path.join(REPO_ROOT, 'tests', 's3');
const KEY_ID = 'mc-test-key';
const SECRET = 'mc-test-secret';

/**
 * Starts the S3 test server with one bucket on a fresh directory. Returns {port, dir, bucket, env,
 * objectPath(key), stop()}: `env` is what the API server needs to use it, objectPath the file
 * s3rver keeps an object's bytes in.
 */
export async function startS3Server({ bucket = 'mc-media' } = {}) {
  if (!fs.existsSync(path.join(PACKAGE_DIR, 'node_modules', 's3rver'))) {
    throw new Error(`s3rver is not installed: run npm ci in ${PACKAGE_DIR}`);
  }
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mc-api-s3-'));
  await fsp.mkdir(path.join(dir, bucket)); // s3rver takes a directory for a bucket
  const proc = spawn(process.execPath, ['--openssl-legacy-provider', path.join(PACKAGE_DIR, 'server.mjs'),
    '--dir', dir, '--access-key', KEY_ID, '--secret', SECRET], { cwd: PACKAGE_DIR, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const port = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: proc.stdout });
    lines.once('line', (line) => resolve(JSON.parse(line).port));
    proc.once('exit', (code) => reject(new Error(`S3 test server exited (${code}) before listening`)));
  });
  process.once('exit', () => { try { proc.kill('SIGKILL'); } catch { /* gone */ } });
  return {
    port,
    dir,
    bucket,
    pid: proc.pid,
    env: {
      MEDIA_STORAGE: 's3',
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_REGION: 'us-east-1',
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: KEY_ID,
      S3_SECRET_ACCESS_KEY: SECRET,
      S3_FORCE_PATH_STYLE: 'true',
    },
    objectPath: (key) => {
      const parts = key.split('/');
      const name = parts.pop();
      return path.join(dir, bucket, ...parts, `${name}._S3rver_object`);
    },
    async stop() {
      proc.stdin.end();
      proc.kill('SIGTERM');
      await exited;
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
