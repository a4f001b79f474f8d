// A tiny fetch-based client and the assertions every test uses on responses.
import assert from 'node:assert/strict';

/**
 * createClient(target) where target.baseUrl is read on every call (it changes on restart).
 * api.json(method, path, {body, token, headers, rawBody, contentType}) →
 *   {status, headers (a Headers), body (parsed JSON or text), text, method, path}
 * body: a value to send as JSON. rawBody: a string/Buffer sent as-is (Content-Type only if given).
 */
export function createClient(target) {
  async function json(method, path, { body, token, headers = {}, rawBody, contentType } = {}) {
    const h = { ...headers };
    let payload;
    if (rawBody !== undefined) {
      payload = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(String(rawBody), 'utf8');
      if (contentType !== undefined) h['content-type'] = contentType;
    } else if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body), 'utf8');
      h['content-type'] = contentType ?? 'application/json';
    }
    if (token !== undefined) h.authorization = `Bearer ${token}`;
    let res;
    let text;
    try {
      res = await fetch(new URL(path, target.baseUrl), { method, headers: h, body: payload, redirect: 'manual' });
      text = await res.text();
    } catch (err) {
      const cause = err.cause ? ` (${err.cause.code ?? ''} ${err.cause.message ?? err.cause})` : '';
      const dead = target.running === false && target.proc
        ? ` [the server process has exited: code ${target.proc.exitCode}, signal ${target.proc.signalCode}]` : '';
      const e = new Error(`${method} ${path} failed: ${err.message}${cause}${dead}` +
        (target.logPath ? `\nserver log: ${target.logPath}` : ''));
      e.cause = err;
      throw e;
    }
    let parsed = text;
    if (text.length > 0) {
      try { parsed = JSON.parse(text); } catch { /* keep text */ }
    }
    const result = { status: res.status, headers: res.headers, body: parsed, text, method, path, logPath: target.logPath };
    if (parsed !== text) {
      // Every JSON answer writes numbers as integers or plain decimals, never 4E1 (issue 9, item 10).
      const bad = exponentNumbers(text);
      assert.deepEqual(bad, [], `numbers in exponent notation\n${describeResponse(result)}`);
    }
    return result;
  }
  const api = {
    json,
    get: (path, opts) => json('GET', path, opts),
    post: (path, body, opts = {}) => json('POST', path, { ...opts, body }),
    del: (path, opts) => json('DELETE', path, opts),
  };
  return api;
}

/** The number tokens of a JSON text that use exponent notation (strings are skipped). */
export function exponentNumbers(text) {
  const found = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (m?.[2]) found.push(m[0]);
      i += (m ? m[0].length : 1) - 1;
    }
  }
  return found;
}

export function describeResponse(res) {
  const headers = {};
  res.headers.forEach((v, k) => { headers[k] = v; });
  const body = res.text.length > 2000 ? `${res.text.slice(0, 2000)}…` : res.text;
  return `${res.method} ${res.path} → ${res.status}\nheaders: ${JSON.stringify(headers)}\nbody: ${body}` +
    (res.logPath ? `\nserver log: ${res.logPath}` : '');
}

/** Asserts the status, and returns the body. */
export function expectStatus(res, status) {
  assert.equal(res.status, status, `expected ${status}\n${describeResponse(res)}`);
  return res.body;
}

/**
 * Asserts the SPEC §5 error envelope {"error":{"code","message","details"?}} with this status and code.
 * field: a field name (or names) that must be keys of error.details.
 */
export function expectError(res, status, code, { field } = {}) {
  const ctx = describeResponse(res);
  assert.equal(res.status, status, `expected ${status} ${code}\n${ctx}`);
  assert.ok(res.body && typeof res.body === 'object' && res.body.error && typeof res.body.error === 'object',
    `expected an error envelope\n${ctx}`);
  assert.equal(res.body.error.code, code, `expected code ${code}\n${ctx}`);
  assert.equal(typeof res.body.error.message, 'string', `error.message must be a string\n${ctx}`);
  assert.ok(res.body.error.message.length > 0, `error.message must not be empty\n${ctx}`);
  for (const f of [].concat(field ?? [])) {
    const details = res.body.error.details;
    assert.ok(details && typeof details === 'object' && Object.hasOwn(details, f),
      `expected error.details to name field "${f}"\n${ctx}`);
  }
  return res.body.error;
}

/** Asserts the error code is one of `codes` (where the contract allows several). */
export function expectErrorOneOf(res, status, codes) {
  const ctx = describeResponse(res);
  assert.equal(res.status, status, `expected ${status} ${codes.join('|')}\n${ctx}`);
  assert.ok(codes.includes(res.body?.error?.code), `expected code in ${codes.join('|')}\n${ctx}`);
  return res.body.error;
}

/** Retry-After must be a positive whole number of seconds. */
export function expectRetryAfter(res, { max } = {}) {
  const v = res.headers.get('retry-after');
  assert.match(v ?? '', /^\d+$/, `Retry-After must be an integer number of seconds\n${describeResponse(res)}`);
  assert.ok(Number(v) > 0, `Retry-After must be positive\n${describeResponse(res)}`);
  if (max !== undefined) assert.ok(Number(v) <= max, `Retry-After ${v} > ${max}\n${describeResponse(res)}`);
  return Number(v);
}

/** Every successful write answers with X-Consistency-Token: <commit LSN> (e.g. 0/16B3A28). */
export function expectConsistencyToken(res) {
  const v = res.headers.get('x-consistency-token');
  assert.match(v ?? '', /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i,
    `expected X-Consistency-Token with a commit LSN\n${describeResponse(res)}`);
  return v;
}

export function expectRateLimitHeaders(res) {
  for (const h of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
    assert.match(res.headers.get(h) ?? '', /^\d+/, `expected ${h} header\n${describeResponse(res)}`);
  }
  const limit = parseInt(res.headers.get('ratelimit-limit'), 10);
  const remaining = parseInt(res.headers.get('ratelimit-remaining'), 10);
  assert.ok(remaining <= limit, `RateLimit-Remaining ${remaining} > RateLimit-Limit ${limit}`);
}
