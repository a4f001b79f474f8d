// docs/api/openapi.json must stay lint clean under redocly's strict recommended rules
// (docs/api/redocly.yaml): every reference resolves, every operation declares security and an
// operationId, every response is described. No server needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const docs = path.resolve(here, '..', '..', 'docs', 'api');

test('openapi.json is lint clean (redocly, recommended-strict)', async () => {
  const cli = path.join(here, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  let out = '';
  try {
    const r = await promisify(execFile)(process.execPath,
      [cli, 'lint', '--config', path.join(docs, 'redocly.yaml'), '--format', 'stylish', '--max-problems', '500',
        path.join(docs, 'openapi.json')],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }, maxBuffer: 16 << 20 });
    out = r.stdout + r.stderr;
  } catch (err) {
    assert.fail(`redocly lint failed:\n${err.stdout}\n${err.stderr}`);
  }
  assert.match(out, /valid/i, out);
});
