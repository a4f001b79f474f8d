// Decode and sign HS256 JWTs with node:crypto, to forge tokens the server must refuse.
import crypto from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

export function decodeJwt(token) {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
    signature: s,
  };
}

/** key: Buffer or string used as the HMAC key bytes as-is. */
export function signJwt(header, payload, key) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = crypto.createHmac('sha256', key).update(input).digest();
  return `${input}.${b64url(sig)}`;
}

export function unsignedJwt(header, payload) {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
