// Every overlay renders with kustomize, every rendered object passes its schema (no unknown
// fields), and the objects' references to one another resolve.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { parse } from "yaml";
import { infra, repoRoot, REGIONS } from "./lib/paths.mjs";
import { render, id } from "./lib/kustomize.mjs";
import { validateObject } from "./lib/models.mjs";
import { index, ALL, PLACEHOLDER_ACCOUNT, registryOf } from "./lib/k8s-refs.mjs";
import { guideText } from "./lib/guide.mjs";

test("namespace.yaml is the musicconnect Namespace and passes its schema", async () => {
  const ns = parse(fs.readFileSync(infra("kubernetes/namespace.yaml"), "utf8"));
  assert.equal(ns.kind, "Namespace");
  assert.equal(ns.metadata.name, "musicconnect");
  assert.deepEqual(await validateObject(ns), []);
});

for (const region of REGIONS) {
  test(`overlay ${region}`, async (t) => {
    const objects = render(infra("kubernetes/overlays", region));
    await t.test("every object passes its schema", async () => {
      const problems = [];
      for (const o of objects) for (const p of await validateObject(o)) problems.push(`${id(o)}: ${p}`);
      assert.deepEqual(problems, []);
    });
    await t.test("the region's configuration is its own", () => {
      const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "musicconnect-config");
      assert.equal(config.data.REGION, region);
      assert.equal(config.data.PRIMARY_REGION, "us-east-1");
      assert.match(config.data.DATABASE_READ_URL, new RegExp(`reader\\.${region}\\.`));
    });
    const ix = index(objects);
    for (const [name, rule] of Object.entries(ALL)) {
      await t.test(name, () => assert.deepEqual(rule(ix), []));
    }
  });
}

// API groups every cluster serves; anything else needs an operator installed before step 4.
const BUILT_IN_GROUPS = new Set(["", "apps", "autoscaling", "batch", "policy", "networking.k8s.io", "rbac.authorization.k8s.io",
  "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io"]);

// docs/infrastructure.md, "Custom resources the overlays use": group -> {kinds, release}
function documentedPrerequisites() {
  const text = fs.readFileSync(path.join(repoRoot, "docs/infrastructure.md"), "utf8");
  const table = text.split("### Custom resources the overlays use")[1]?.split(/\n#/)[0] ?? "";
  const rows = new Map();
  for (const m of table.matchAll(/^\| `([\w.-]+)` \| ([^|]+) \| `([\w-]+)`/gm)) {
    rows.set(m[1], { kinds: [...m[2].matchAll(/`(\w+)`/g)].map((k) => k[1]), release: m[3] });
  }
  return { text, rows };
}

test("every custom resource kind the overlays use is installed by a documented prerequisite", () => {
  const { text, rows } = documentedPrerequisites();
  assert.ok(rows.size > 0, "docs/infrastructure.md has no table \"Custom resources the overlays use\"");
  const deploy = fs.readFileSync(infra("runbooks/deploy.md"), "utf8");
  const problems = [];
  for (const region of REGIONS) {
    for (const o of render(infra("kubernetes/overlays", region))) {
      const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
      if (BUILT_IN_GROUPS.has(group)) continue;
      const row = rows.get(group);
      if (!row) problems.push(`${region}: ${id(o)} (${o.apiVersion}) needs an operator no documented prerequisite installs`);
      else if (!row.kinds.includes(o.kind)) problems.push(`${region}: ${id(o)}: kind ${o.kind} is not listed for ${group}`);
    }
  }
  // each operator's install is in the runbook's order, and in docs/infrastructure.md or the guide
  for (const [group, { release }] of rows) {
    for (const [where, docs] of [["runbooks/deploy.md", [deploy]], ["docs/infrastructure.md or the guide", [text, guideText()]]]) {
      if (!docs.some((d) => d.includes(`upgrade --install ${release} `))) problems.push(`${group}: ${where} has no \`helm … upgrade --install ${release}\``);
    }
  }
  assert.deepEqual([...new Set(problems)], []);
});

test("set-registry.sh replaces the placeholder registry in every overlay (each region's ECR replica)", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "set-registry-"));
  try {
    fs.cpSync(infra("kubernetes"), path.join(work, "kubernetes"), { recursive: true });
    fs.cpSync(infra("monitoring/rules"), path.join(work, "monitoring/rules"), { recursive: true });
    const registry = "210987654321.dkr.ecr.us-east-1.amazonaws.com";
    execFileSync(path.join(work, "kubernetes/set-registry.sh"), [registry, "--tag", "0123abc"], { stdio: "pipe" });
    for (const region of REGIONS) {
      for (const d of render(path.join(work, "kubernetes/overlays", region)).filter((o) => o.kind === "Deployment")) {
        for (const c of d.spec.template.spec.containers.filter((x) => x.image.includes("/musicconnect-"))) {
          assert.equal(registryOf(c.image), registry.replace("us-east-1", region), `${region}: ${id(d)}/${c.name} runs ${c.image} (the region's ECR replica)`);
          assert.match(c.image, /:0123abc$/, `${region}: ${id(d)}/${c.name} runs ${c.image}`);
        }
      }
      assert.ok(!fs.readFileSync(path.join(work, "kubernetes/overlays", region, "kustomization.yaml"), "utf8").includes(PLACEHOLDER_ACCOUNT), region);
    }
    assert.throws(() => execFileSync(path.join(work, "kubernetes/set-registry.sh"), [`${PLACEHOLDER_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`], { stdio: "pipe" }));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
