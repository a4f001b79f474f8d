// The OpenAPI document as an oracle: finds the operation a request reached and checks a response
// against what the document promises for it (status, error envelope, code, body schema).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describeResponse } from './http.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DOC_PATH = path.resolve(here, '..', '..', '..', 'docs', 'api', 'openapi.json');
export const doc = JSON.parse(fs.readFileSync(DOC_PATH, 'utf8'));

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const DOC_ID = 'https://musicconnect.invalid/openapi.json';

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addSchema(doc, DOC_ID);
const compiled = new Map();

const escapePointer = (s) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** Every operation: {method, path, op, id, params (path+query+header, $refs resolved), body (requestBody or null)}. */
export function operations() {
  const out = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve);
      out.push({ method: method.toUpperCase(), path: p, op, id: op.operationId, params, body: op.requestBody ? resolve(op.requestBody) : null });
    }
  }
  return out;
}

/** Follows one local $ref (#/components/...). */
export function resolve(obj) {
  let o = obj;
  while (o && o.$ref) {
    o = o.$ref.slice(2).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce((acc, k) => acc[k], doc);
  }
  return o;
}

function pointerOfResponse(method, p, status, response) {
  if (response.$ref) return `${response.$ref.slice(1)}`;
  return `/paths/${escapePointer(p)}/${method.toLowerCase()}/responses/${status}`;
}

/** The documented response for a status: [statusKey, response object, JSON pointer], or null. */
export function documentedResponse(method, p, status) {
  const op = doc.paths[p]?.[method.toLowerCase()];
  if (!op) return null;
  const key = op.responses[String(status)] ? String(status)
    : op.responses[`${String(status)[0]}XX`] ? `${String(status)[0]}XX` : op.responses.default ? 'default' : null;
  if (!key) return null;
  const raw = op.responses[key];
  return [key, resolve(raw), pointerOfResponse(method, p, key, raw)];
}

function validator(pointer) {
  if (!compiled.has(pointer)) compiled.set(pointer, ajv.compile({ $ref: `${DOC_ID}#${pointer}` }));
  return compiled.get(pointer);
}

/** Codes the document lists for a response (from `const`/`enum` of error.code), or []. */
export function documentedCodes(response) {
  const schema = response?.content?.['application/json']?.schema;
  const code = schema?.properties?.error?.properties?.code;
  if (!code) return [];
  return code.const !== undefined ? [code.const] : code.enum ?? [];
}

/**
 * Problems with a response to `method templatePath` (empty array: it is as documented):
 * a status the operation does not document (only `default` = 500 internal_error covers the rest,
 * and a 5xx is always a problem), a non-JSON or malformed error envelope, a code outside the
 * documented list, a JSON body that does not match the documented schema.
 */
export function responseProblems(method, templatePath, res) {
  const problems = [];
  if (res.status >= 500) problems.push(`server error ${res.status}`);
  if (method === 'HEAD') {
    // HEAD is GET without the body: the GET operation's statuses, and never a body.
    if (res.text.length > 0) problems.push(`HEAD answered with a body of ${res.text.length} bytes`);
    const head = documentedResponse('GET', templatePath, res.status);
    if (!head || head[0] === 'default') problems.push(`status ${res.status} is not documented for GET ${templatePath}`);
    return problems;
  }
  const found = documentedResponse(method, templatePath, res.status);
  if (!found || found[0] === 'default') {
    problems.push(`status ${res.status} is not documented for ${method} ${templatePath}`);
  }
  const isError = res.status >= 400;
  const ctype = res.headers.get('content-type') ?? '';
  if (isError) {
    if (!ctype.startsWith('application/json')) problems.push(`error with content-type "${ctype}"`);
    const e = res.body?.error;
    if (!e || typeof e !== 'object') problems.push('no error envelope');
    else {
      if (typeof e.code !== 'string' || !/^[a-z][a-z0-9_]*$/.test(e.code)) problems.push('error.code missing or not snake_case');
      if (typeof e.message !== 'string' || e.message.length === 0) problems.push('error.message missing');
      if (found) {
        const codes = documentedCodes(found[1]);
        if (codes.length && !codes.includes(e.code)) {
          problems.push(`code ${e.code} is not documented for ${res.status} (${codes.join(', ')})`);
        }
      }
    }
  }
  if (found && found[0] !== 'default' && ctype.startsWith('application/json') && found[1].content?.['application/json']?.schema) {
    const v = validator(`${found[2]}/content/application~1json/schema`);
    if (!v(res.body)) problems.push(`body does not match the documented schema: ${ajv.errorsText(v.errors)}`);
  }
  return problems;
}

/** Throws with the request, the response and the problems when the response is not as documented. */
export function expectDocumented(method, templatePath, res) {
  const problems = responseProblems(method, templatePath, res);
  if (problems.length) {
    throw new Error(`${method} ${templatePath}: ${problems.join('; ')}\n${describeResponse(res)}`);
  }
  return res;
}
