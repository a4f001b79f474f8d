// Every overlay renders with kustomize, every rendered object passes its schema (no unknown
// fields), and the objects' references to one another resolve.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { parse } from "yaml";
import { infra, REGIONS } from "./lib/paths.mjs";
import { render, id } from "./lib/kustomize.mjs";
import { validateObject } from "./lib/models.mjs";
import { index, ALL } from "./lib/k8s-refs.mjs";

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
