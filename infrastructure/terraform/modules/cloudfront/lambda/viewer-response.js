'use strict';
// Lambda@Edge, viewer response: security headers on every response, and browser caching for HLS:
// playlists are re-fetched often (a live party's playlist grows), segments never change.
// CloudFront's own cache follows the cache policies of the /media/* behaviours (main.tf, policies.tf).

const SECURITY_HEADERS = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(self)',
};
const PLAYLIST_CACHE = 'private, max-age=2';
const SEGMENT_CACHE = 'private, max-age=31536000, immutable';

function hlsCacheControl(uri, status) {
  if (!uri.startsWith('/media/') || status !== '200') return null;
  if (uri.endsWith('.m3u8')) return PLAYLIST_CACHE;
  if (/\.(ts|m4s|aac|mp4)$/.test(uri)) return SEGMENT_CACHE;
  return null;
}

exports.hlsCacheControl = hlsCacheControl;

exports.handler = async (event) => {
  const { request, response } = event.Records[0].cf;
  const headers = response.headers;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (!headers[name]) headers[name] = [{ key: name, value }];
  }
  const cache = hlsCacheControl(request.uri, response.status);
  if (cache) headers['cache-control'] = [{ key: 'Cache-Control', value: cache }];
  return response;
};
