// The three images the guide builds, checked without a Docker engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import { infra, repoRoot } from "./lib/paths.mjs";
import { lint, shellcheckRuns, parseDockerfile, stages } from "./lib/dockerfile.mjs";

const IMAGES = ["backend", "websocket", "frontend"];
const dockerfile = (name) => infra("docker", `Dockerfile.${name}`);
const final = (name) => stages(parseDockerfile(fs.readFileSync(dockerfile(name), "utf8"))).at(-1);

for (const name of IMAGES) {
  test(`Dockerfile.${name} follows the image rules`, () => assert.deepEqual(lint(dockerfile(name), repoRoot), []));
  test(`Dockerfile.${name}: shellcheck passes on every RUN`, () => assert.deepEqual(shellcheckRuns(dockerfile(name)), []));
}

test("the three Dockerfiles share one build stage, so BuildKit builds the tree once", () => {
  const buildStage = (name) => fs.readFileSync(dockerfile(name), "utf8").split(/^FROM .* AS runtime$/m)[0].split(/^ARG /m).slice(1).join();
  assert.equal(buildStage("websocket"), buildStage("backend"));
  assert.equal(buildStage("frontend"), buildStage("backend"));
});

test("the server images run the roles their Deployments run", () => {
  const cmd = (name) => JSON.parse(final(name).body.find((i) => i.cmd === "CMD").args);
  assert.deepEqual(cmd("backend"), ["serve", "--roles", "api,worker"]);
  assert.deepEqual(cmd("websocket"), ["serve", "--roles", "ws"]);
});

test("every image exposes port 8080, the containerPort of its Deployment", () => {
  for (const name of IMAGES) assert.equal(final(name).body.find((i) => i.cmd === "EXPOSE")?.args, "8080", name);
});

test("the frontend's nginx configuration passes nginx -t", () => {
  // stdout to /dev/null: the configuration logs to /dev/stdout, which cannot be opened on a socket.
  execFileSync("nginx", ["-t", "-q", "-p", "/tmp", "-c", infra("docker/nginx-frontend.conf")], { stdio: ["ignore", "ignore", "pipe"] });
});

test("the helper scripts the images copy pass shellcheck", () => {
  execFileSync("shellcheck", [infra("docker/redis-tls-proxy.sh"), infra("docker/runtime-packages.sh")], { stdio: ["ignore", "pipe", "pipe"] });
});
