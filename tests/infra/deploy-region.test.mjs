// infrastructure/ci-cd/deploy-region.sh against a kubectl double (lib/kubectl-double.mjs) holding
// the real Deployments of the us-east-1 overlay: a healthy release goes out, a canary that fails
// its probes or its error rate changes nothing, a rollout that fails verification is undone, and
// a release whose migrations the running release cannot serve on is refused unless allowed.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { infra, repoRoot } from "./lib/paths.mjs";
import { render } from "./lib/kustomize.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const NEW = "0123456789abcdef0123456789abcdef01234567";
const overlay = render(infra("kubernetes/overlays/us-east-1"));

function cluster(extra = {}, runningTag = "latest") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-region-"));
  fs.mkdirSync(path.join(dir, "bin"));
  fs.writeFileSync(path.join(dir, "bin/kubectl"), `#!/bin/sh\nexec node ${JSON.stringify(path.join(here, "lib/kubectl-double.mjs"))} "$@"\n`, { mode: 0o755 });
  // An aws CLI double for `ecr describe-images`: every image is there except the repositories
  // listed in AWS_DOUBLE_MISSING (not replicated yet); calls are logged.
  const awsLog = path.join(dir, "aws.log");
  fs.writeFileSync(path.join(dir, "bin/aws"), [
    "#!/bin/sh",
    `echo "$*" >> ${JSON.stringify(awsLog)}`,
    'repo=""',
    'while [ $# -gt 0 ]; do [ "$1" = "--repository-name" ] && repo="$2"; shift; done',
    'case ",${AWS_DOUBLE_MISSING:-}," in *",$repo,"*) echo "ImageNotFoundException" >&2; exit 254 ;; esac',
    "",
  ].join("\n"), { mode: 0o755 });
  const deployments = {};
  for (const d of overlay.filter((o) => o.kind === "Deployment")) {
    const copy = structuredClone(d);
    for (const c of [...(copy.spec.template.spec.initContainers ?? []), ...copy.spec.template.spec.containers]) {
      if (c.image.startsWith(`${REGISTRY}/`)) c.image = c.image.replace(/:[^:/]+$/, `:${runningTag}`);
    }
    deployments[d.metadata.name] = copy;
  }
  const stateFile = path.join(dir, "state.json");
  fs.writeFileSync(stateFile, JSON.stringify({ context: "musicconnect-us-east-1", deployments, history: {}, ...extra }));
  return {
    run(args = [], env = {}, registry = REGISTRY) {
      const r = spawnSync(infra("ci-cd/deploy-region.sh"), ["--region", "us-east-1", "--registry", registry, "--tag", NEW, ...args], {
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, KUBECTL_DOUBLE_STATE: stateFile, CANARY_WINDOW_S: "1", VERIFY_WINDOW_S: "1", POLL_S: "1", ...env },
      });
      return { status: r.status, out: `${r.stdout}${r.stderr}` };
    },
    state: () => ({
      ...JSON.parse(fs.readFileSync(stateFile, "utf8")),
      log: fs.existsSync(`${stateFile}.log`) ? fs.readFileSync(`${stateFile}.log`, "utf8").split("\n").filter(Boolean) : [],
    }),
    awsCalls: () => (fs.existsSync(awsLog) ? fs.readFileSync(awsLog, "utf8").split("\n").filter(Boolean) : []),
    done: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

const images = (state, name) => {
  const s = state.deployments[name].spec.template.spec;
  return [...(s.initContainers ?? []), ...s.containers].map((c) => `${c.name}=${c.image}`);
};
const APPS = ["backend", "websocket", "frontend"];

test("a healthy release: canaries checked, every container of the three apps moved, canaries gone", () => {
  const c = cluster();
  try {
    const r = c.run([], { ALLOW_SCHEMA_CHANGE: "true" });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`release ${NEW} deployed in us-east-1`));
    const s = c.state();
    for (const app of APPS) {
      for (const ci of images(s, `musicconnect-${app}`)) assert.ok(ci.endsWith(`/musicconnect-${app}:${NEW}`), `${app}: ${ci}`);
      assert.ok(!s.deployments[`musicconnect-${app}-canary`], `the ${app} canary is left`);
    }
    assert.ok(images(s, "musicconnect-pgbouncer").every((i) => !i.includes(NEW)), "pgbouncer was changed");
    assert.equal(s.log.filter((l) => l.startsWith("musicconnect apply -f -")).length, 3, "one canary per app");
    const canaryApply = s.log.findIndex((l) => l.startsWith("musicconnect apply"));
    const firstSet = s.log.findIndex((l) => l.startsWith("musicconnect set image"));
    assert.ok(canaryApply >= 0 && firstSet > canaryApply, "the stable Deployments changed before the canaries");
  } finally { c.done(); }
});

test("the region pulls from its own replica: an ECR registry of another region is used as this region's, once the images reached it", () => {
  const c = cluster();
  try {
    const r = c.run([], { ALLOW_SCHEMA_CHANGE: "true" }, "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    assert.equal(r.status, 0, r.out);
    const s = c.state();
    for (const app of APPS) {
      for (const ci of images(s, `musicconnect-${app}`)) assert.ok(ci.endsWith(`=${REGISTRY}/musicconnect-${app}:${NEW}`), `${app}: ${ci}`);
      assert.ok(
        c.awsCalls().some((l) => l.includes("ecr describe-images --region us-east-1") && l.includes(`--repository-name musicconnect-${app}`) && l.includes(`imageTag=${NEW}`)),
        `no replication check of ${app}: ${c.awsCalls().join(" | ")}`,
      );
    }
  } finally { c.done(); }
});

test("a release that has not reached the region's replica is refused before anything changes", () => {
  const c = cluster();
  try {
    const before = c.state();
    const r = c.run([], { ALLOW_SCHEMA_CHANGE: "true", AWS_DOUBLE_MISSING: "musicconnect-websocket", REPLICATION_WAIT_S: "2" });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, new RegExp(`musicconnect-websocket:${NEW} is not in ${REGISTRY.replaceAll(".", "\\.")} after 2 s`));
    const s = c.state();
    for (const app of APPS) assert.deepEqual(images(s, `musicconnect-${app}`), images(before, `musicconnect-${app}`));
    assert.ok(!s.log.some((l) => l.includes("apply") || l.includes("set image")), `the cluster was changed: ${s.log.join(" | ")}`);
  } finally { c.done(); }
});

for (const [what, extra, reason] of [
  ["answers /ready with 503", { badTags: [NEW] }, /canary failed: musicconnect-backend-canary failed its health checks/],
  ["serves 20 % errors", { errorTags: { [NEW]: 0.2 } }, /5xx ratio 0\.2 is above 0\.01/],
  ["never becomes available", { stuckTags: [NEW] }, /canary failed: musicconnect-backend-canary did not become available/],
]) {
  test(`a canary that ${what} is rejected and the stable release is untouched`, () => {
    const c = cluster(extra);
    try {
      const before = c.state();
      const r = c.run([], { ALLOW_SCHEMA_CHANGE: "true" });
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, new RegExp(`canary of ${NEW} rejected; the stable release is untouched`));
      assert.match(r.out, reason);
      const s = c.state();
      for (const app of APPS) {
        assert.deepEqual(images(s, `musicconnect-${app}`), images(before, `musicconnect-${app}`));
        assert.ok(!s.deployments[`musicconnect-${app}-canary`], `the ${app} canary is left`);
      }
      assert.ok(!s.log.some((l) => l.includes("set image")), "set image ran");
    } finally { c.done(); }
  });
}

test("a rollout that fails verification is undone on every app", () => {
  const c = cluster({ badStableTags: [NEW] });
  try {
    const before = c.state();
    const r = c.run([], { ALLOW_SCHEMA_CHANGE: "true" });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, new RegExp(`release ${NEW} rolled back in us-east-1`));
    assert.match(r.out, /canary healthy/, "the canary should have passed (only stable pods are bad)");
    const s = c.state();
    for (const app of APPS) {
      assert.deepEqual(images(s, `musicconnect-${app}`), images(before, `musicconnect-${app}`), `${app} is not back on the previous release`);
      assert.ok(s.log.includes(`musicconnect rollout undo deployment/musicconnect-${app}`), `no rollout undo of ${app}`);
    }
  } finally { c.done(); }
});

test("a release whose migrations cannot be compared is refused unless allowed", () => {
  const c = cluster();
  try {
    const r = c.run();
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /running tag 'latest' is not a commit of this repository/);
    assert.ok(!c.state().log.some((l) => l.includes("apply") || l.includes("set image")));
  } finally { c.done(); }
});

test("a release whose migrations do not run with the running release is refused unless allowed", () => {
  // The running release: the commit before the privacy migration (0018) was added, which knows
  // migrations up to 0014; HEAD adds 0016-0018, so the old pods could not serve on HEAD's schema.
  const added = execFileSync("git", ["-C", repoRoot, "log", "--diff-filter=A", "--format=%H", "--", "migrations/0018_privacy.sql"], { encoding: "utf8" }).trim().split("\n").pop();
  const running = execFileSync("git", ["-C", repoRoot, "rev-parse", `${added}^`], { encoding: "utf8" }).trim();
  const head = execFileSync("git", ["-C", repoRoot, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  const c = cluster({}, running);
  try {
    const r = c.run(["--tag", head]);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /0018_privacy\.sql needs a binary of \d+ or later/);
    assert.match(r.out, /do not run with the release running now/);
    assert.ok(!c.state().log.some((l) => l.includes("apply") || l.includes("set image")));
  } finally { c.done(); }
});

test("the release already running is left alone", () => {
  const head = execFileSync("git", ["-C", repoRoot, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  const c = cluster({}, head);
  try {
    const r = c.run(["--tag", head]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /already runs here; nothing to do/);
    assert.ok(!c.state().log.some((l) => l.includes("apply") || l.includes("set image")));
  } finally { c.done(); }
});

test("bad arguments are refused before anything is touched", () => {
  const c = cluster();
  try {
    for (const [args, message] of [
      [["--region", "eu-central-1"], /--region must be one of/],
      [["--tag", "latest"], /--tag must be a full git sha/],
      [["--apps", "backend,api"], /unknown app api/],
    ]) {
      const r = c.run(args, { ALLOW_SCHEMA_CHANGE: "true" });
      assert.equal(r.status, 2, r.out);
      assert.match(r.out, message);
    }
    assert.deepEqual(c.state().log.filter((l) => !l.startsWith("musicconnect get deployment")), []);
  } finally { c.done(); }
});
