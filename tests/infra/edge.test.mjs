// The Lambda@Edge functions, run on synthetic CloudFront events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { infra } from "./lib/paths.mjs";

const require = createRequire(import.meta.url);
const originRequest = require(infra("terraform/modules/cloudfront/lambda/origin-request.js"));
const viewerResponse = require(infra("terraform/modules/cloudfront/lambda/viewer-response.js"));

const requestEvent = (country, subdivision, uri = "/api/feed") => ({
  Records: [{ cf: { request: {
    uri, method: "GET", querystring: "",
    headers: {
      host: [{ key: "Host", value: "origin.musicconnect.com" }],
      "cloudfront-viewer-country": [{ key: "CloudFront-Viewer-Country", value: country }],
      ...(subdivision ? { "cloudfront-viewer-country-region": [{ key: "CloudFront-Viewer-Country-Region", value: subdivision }] } : {}),
    },
    origin: { custom: { domainName: "origin.musicconnect.com", port: 443, protocol: "https", path: "", sslProtocols: ["TLSv1.2"], readTimeout: 30, keepaliveTimeout: 5, customHeaders: {} } },
  } } }],
});

for (const [country, subdivision, region] of [["DE", null, "eu-west-1"], ["ZA", null, "eu-west-1"], ["JP", null, "ap-southeast-1"], ["AU", null, "ap-southeast-1"], ["US", "CA", "us-west-2"], ["US", "NY", "us-east-1"], ["BR", null, "us-east-1"], ["", null, "us-east-1"]]) {
  test(`a viewer in ${country || "an unknown country"}${subdivision ? `/${subdivision}` : ""} is sent to ${region}`, async () => {
    const request = await originRequest.handler(requestEvent(country, subdivision));
    assert.equal(request.origin.custom.domainName, `${region}.origin.musicconnect.com`);
    assert.equal(request.headers.host[0].value, `${region}.origin.musicconnect.com`);
  });
}

test("a request already bound to a regional origin is left alone", async () => {
  const event = requestEvent("DE");
  event.Records[0].cf.request.origin.custom.domainName = "us-east-1.origin.musicconnect.com";
  const request = await originRequest.handler(event);
  assert.equal(request.origin.custom.domainName, "us-east-1.origin.musicconnect.com");
});

const responseEvent = (uri, status = "200", headers = {}) => ({
  Records: [{ cf: { request: { uri, method: "GET", headers: {} }, response: { status, statusDescription: "OK", headers } } }],
});

test("every response gets the security headers, without overriding the origin's own", async () => {
  const response = await viewerResponse.handler(responseEvent("/", "200", { "x-frame-options": [{ key: "X-Frame-Options", value: "SAMEORIGIN" }] }));
  assert.match(response.headers["strict-transport-security"][0].value, /max-age=63072000/);
  assert.equal(response.headers["x-content-type-options"][0].value, "nosniff");
  assert.equal(response.headers["x-frame-options"][0].value, "SAMEORIGIN");
});

test("HLS playlists are cached briefly, segments for a year", async () => {
  const playlist = await viewerResponse.handler(responseEvent("/media/hls/t1/index.m3u8"));
  assert.equal(playlist.headers["cache-control"][0].value, "private, max-age=2");
  const segment = await viewerResponse.handler(responseEvent("/media/hls/t1/seg_00001.m4s"));
  assert.equal(segment.headers["cache-control"][0].value, "private, max-age=31536000, immutable");
});

test("errors and non-media responses keep the origin's Cache-Control", async () => {
  const denied = await viewerResponse.handler(responseEvent("/media/hls/t1/seg_00001.m4s", "403", { "cache-control": [{ key: "Cache-Control", value: "no-store" }] }));
  assert.equal(denied.headers["cache-control"][0].value, "no-store");
  const api = await viewerResponse.handler(responseEvent("/api/feed"));
  assert.equal(api.headers["cache-control"], undefined);
});
