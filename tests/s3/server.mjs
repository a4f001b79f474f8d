// S3-compatible server for the storage integration tests, on loopback.
//
// s3rver stores objects and answers the S3 REST API, but it does not check SigV4 signatures (it only
// looks the access key up). So it listens on an internal port behind a front that authenticates
// every request the way S3 does before passing it on: the signature is recomputed with AWS's own
// JavaScript signer (@smithy/signature-v4, used by the AWS SDK) from the request as received, and
// x-amz-content-sha256 / Content-MD5 are checked against the body. A client signing bug, or a wrong
// secret, gets S3's 403 SignatureDoesNotMatch.
//
// s3rver lacks AbortMultipartUpload; the front implements it by deleting the upload's parts from
// s3rver's directory. For failure tests, UploadPart number 2 of any key ending in "fail-part-2" gets
// a 500 InternalError; GET /__mc/stats (unauthenticated) reports how many were injected.
//
// Usage: node --openssl-legacy-provider server.mjs --dir DIR [--port 0] [--region us-east-1]
//            [--access-key ID --secret SECRET] [--service-endpoint localhost]
// Prints one JSON line {"port": N} once listening; exits when stdin closes or on SIGTERM.
// (--openssl-legacy-provider: s3rver's continuation tokens use DES, which OpenSSL 3 only has there.)
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';

const { values: opt } = parseArgs({
  options: {
    dir: { type: 'string' },
    port: { type: 'string', default: '0' },
    region: { type: 'string', default: 'us-east-1' },
    'access-key': { type: 'string', default: 'mc-test-key' },
    secret: { type: 'string', default: 'mc-test-secret' },
    // Virtual-hosted buckets: Host "<bucket>.s3.<service-endpoint>" (s3rver's rule).
    'service-endpoint': { type: 'string', default: 'localhost' },
  },
});
if (!opt.dir) {
  console.error('--dir is required');
  process.exit(2);
}

// s3rver deletes the keys of one DeleteObjects request concurrently, and each deletion then prunes
// empty directories with readdir + rmdir, so siblings race and the request fails with a 500 after
// the files are gone. Tolerate the lost race (the files are already deleted by then).
const deleteObject = FilesystemStore.prototype.deleteObject;
FilesystemStore.prototype.deleteObject = async function (bucket, key) {
  try {
    await deleteObject.call(this, bucket, key);
  } catch (err) {
    if (err.code !== 'ENOENT' && err.code !== 'ENOTEMPTY') throw err;
  }
};

AWSAccount.DUMMY_ACCOUNT.createKeyPair(opt['access-key'], opt.secret);
const backend = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: opt.dir,
  serviceEndpoint: opt['service-endpoint'],
});
const { port: backendPort } = await backend.run();

const signer = new SignatureV4({
  credentials: { accessKeyId: opt['access-key'], secretAccessKey: opt.secret },
  region: opt.region,
  service: 's3',
  sha256: Hash.bind(null, 'sha256'),
  uriEscapePath: false, // S3: the path is encoded once, by the client
  applyChecksum: false,
});

function s3Error(res, status, code, message) {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<RequestId>${crypto.randomUUID()}</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

// S3's canonical path: each segment decoded, then encoded with RFC 3986's unreserved set only.
function canonicalPath(rawPath) {
  const strict = (s) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return rawPath
    .split('/')
    .map((segment) => strict(decodeURIComponent(segment)))
    .join('/');
}

// Query parameters decoded without form semantics ('+' stays '+').
function parseQuery(rawQuery) {
  const query = {};
  if (!rawQuery) return query;
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    if (name in query) query[name] = [].concat(query[name], value);
    else query[name] = value;
  }
  return query;
}

function parseAmzDate(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  return m ? new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

// Returns null when the request is authentic, else [status, code, message].
async function authenticate(req, body) {
  const auth = req.headers.authorization;
  if (!auth) return [403, 'AccessDenied', 'Access Denied'];
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,]+)\/(\d{8})\/([^/,]+)\/s3\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
    auth,
  );
  if (!m) return [400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.'];
  const [, accessKey, scopeDate, region, signedList, signature] = m;
  if (accessKey !== opt['access-key']) {
    return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
  }
  if (region !== opt.region) {
    return [400, 'AuthorizationHeaderMalformed', `the region '${region}' is wrong; expecting '${opt.region}'`];
  }
  const date = parseAmzDate(req.headers['x-amz-date']);
  if (!date || req.headers['x-amz-date'].slice(0, 8) !== scopeDate) {
    return [403, 'AccessDenied', 'AWS authentication requires a valid x-amz-date header matching the scope'];
  }
  if (Math.abs(Date.now() - date.getTime()) > 15 * 60 * 1000) {
    return [403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'];
  }
  const signed = signedList.split(';');
  for (const required of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signed.includes(required)) return [403, 'AccessDenied', `${required} must be signed`];
  }
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('x-amz-') && !signed.includes(name)) {
      return [403, 'AccessDenied', `There were headers present in the request which were not signed: ${name}`];
    }
  }
  const contentSha = req.headers['x-amz-content-sha256'];
  if (contentSha !== 'UNSIGNED-PAYLOAD') {
    const actual = crypto.createHash('sha256').update(body).digest('hex');
    if (contentSha !== actual) {
      return [400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."];
    }
  }
  if (req.headers['content-md5'] !== undefined) {
    if (req.headers['content-md5'] !== crypto.createHash('md5').update(body).digest('base64')) {
      return [400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.'];
    }
  }

  const [rawPath, rawQuery] = req.url.split(/\?(.*)/s);
  const headers = {};
  for (const name of signed) {
    if (req.headers[name] === undefined) return [403, 'AccessDenied', `signed header ${name} is missing`];
    headers[name] = req.headers[name];
  }
  const request = {
    method: req.method,
    protocol: 'http:',
    hostname: req.headers.host,
    path: canonicalPath(rawPath),
    query: parseQuery(rawQuery),
    headers,
  };
  const expected = await signer.sign(request, { signingDate: date, signableHeaders: new Set(signed) });
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(expected.headers.authorization)[1];
  const expectedList = /SignedHeaders=([^,]+)/.exec(expected.headers.authorization)[1];
  if (expectedSignature !== signature || expectedList !== signedList) {
    return [
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ];
  }
  return null;
}

// The bucket and key a request addresses, path-style or virtual-hosted-style.
function target(req, rawPath) {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  const suffix = `.s3.${opt['service-endpoint']}`;
  const segments = rawPath.split('/').slice(1).map(decodeURIComponent);
  if (host.endsWith(suffix)) return { bucket: host.slice(0, -suffix.length), key: segments.join('/') };
  return { bucket: segments[0], key: segments.slice(1).join('/') };
}

const stats = { injectedFailures: 0 };

// Handles what s3rver cannot; returns true when it answered.
async function special(req, res) {
  const [rawPath, rawQuery] = req.url.split(/\?(.*)/s);
  const query = parseQuery(rawQuery);
  const { bucket, key } = target(req, rawPath);
  if (req.method === 'DELETE' && 'uploadId' in query && key) {
    if (!/^[0-9a-f]+$/.test(query.uploadId)) return s3Error(res, 404, 'NoSuchUpload', 'no such upload'), true;
    await fs.rm(path.join(opt.dir, bucket, '._S3rver_uploads', query.uploadId), { recursive: true, force: true });
    res.writeHead(204);
    res.end();
    return true;
  }
  if (req.method === 'PUT' && query.partNumber === '2' && key.endsWith('fail-part-2')) {
    stats.injectedFailures++;
    s3Error(res, 500, 'InternalError', 'injected failure (test server)');
    return true;
  }
  return false;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'expect', 'content-length'];

const front = http.createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/__mc/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(stats));
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const refused = await authenticate(req, body);
    if (refused) return s3Error(res, ...refused);
    if (await special(req, res)) return;

    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    headers['content-length'] = String(body.length);
    const upstream = http.request(
      { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => s3Error(res, 502, 'InternalError', String(err)));
    upstream.end(body);
  } catch (err) {
    s3Error(res, 500, 'InternalError', String(err));
  }
});

front.listen(Number(opt.port), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: front.address().port }) + '\n');
});

const stop = () => {
  front.close();
  backend.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
