// The operator guide against the tree: every file it names exists, and every object, output and
// image its commands name is real (the commands themselves need AWS; these are what they touch).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { repoRoot, infra, REGIONS } from "./lib/paths.mjs";
import { guideNames, guideText } from "./lib/guide.mjs";
import { render } from "./lib/kustomize.mjs";

const names = guideNames();
// Named by the guide, delivered with other issues and not in the tree yet (none left).
const ELSEWHERE = new Set([]);

for (const file of names.files) {
  const expanded = file.includes("${region}") ? REGIONS.map((r) => file.replace("${region}", r)) : [file];
  test(`the guide's ${file} exists`, ELSEWHERE.has(file) ? { todo: "delivered with the multi-region lab / CI/CD / runbooks issues" } : {}, () => {
    for (const f of expanded) assert.ok(fs.existsSync(path.join(repoRoot, f)), `${f} is missing`);
  });
}

test("the guide's regions are the overlays", () => {
  assert.deepEqual(names.regions, REGIONS);
  assert.deepEqual(fs.readdirSync(infra("kubernetes/overlays")).sort(), [...REGIONS].sort());
});

const rendered = Object.fromEntries(REGIONS.map((r) => [r, render(infra("kubernetes/overlays", r))]));
const find = (objects, kind, name, ns) => objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? "default") === ns);

test("`kubectl scale deployment` names a Deployment in every region", () => {
  assert.ok(names.deployments.length > 0);
  for (const [name, ns] of names.deployments) for (const r of REGIONS) assert.ok(find(rendered[r], "Deployment", name, ns), `${r}: Deployment ${ns}/${name}`);
});

test("`kubectl patch hpa` names an HPA, and the patched object stays valid", () => {
  assert.ok(names.hpas.length > 0);
  for (const [name, ns, patch] of names.hpas) {
    for (const r of REGIONS) {
      const hpa = find(rendered[r], "HorizontalPodAutoscaler", name, ns);
      assert.ok(hpa, `${r}: HPA ${ns}/${name}`);
      const max = JSON.parse(patch).spec.maxReplicas;
      assert.ok(max >= hpa.spec.minReplicas, `${r}: maxReplicas ${max} < minReplicas ${hpa.spec.minReplicas}`);
    }
  }
});

test("`kubectl logs -l app=...` selects the pods of a Deployment", () => {
  for (const [ns, key, value] of names.podLabels) {
    for (const r of REGIONS) {
      assert.ok(rendered[r].some((o) => o.kind === "Deployment" && o.metadata.namespace === ns && o.spec.template.metadata.labels[key] === value), `${r}: no pods labelled ${key}=${value} in ${ns}`);
    }
  }
});

test("the namespace the guide reads is the one namespace.yaml creates and the overlays use", () => {
  const ns = parse(fs.readFileSync(infra("kubernetes/namespace.yaml"), "utf8")).metadata.name;
  assert.deepEqual(names.namespaces, [ns]);
});

test("the images the guide builds are the images the overlays deploy", () => {
  for (const [dockerfile, image] of names.images) {
    assert.ok(fs.existsSync(path.join(repoRoot, dockerfile)), dockerfile);
    for (const r of REGIONS) {
      const images = rendered[r].filter((o) => o.kind === "Deployment").flatMap((d) => d.spec.template.spec.containers.map((c) => c.image));
      const runs = images.filter((i) => i.split(":")[0].endsWith(`/${image}`));
      assert.ok(runs.length, `${r}: no container runs ${image}`);
      // pushed to $ECR_REGISTRY = <account>.dkr.ecr.us-east-1.amazonaws.com, replicated to every
      // region (ecr.tf): each overlay pulls its region's replica. The account is the placeholder
      // until set-registry.sh runs (k8s-refs.mjs placeholders).
      for (const i of runs) assert.match(i, new RegExp(`^\\d{12}\\.dkr\\.ecr\\.${r}\\.amazonaws\\.com/${image}:`), `${r}: ${i} is not the guide's $ECR_REGISTRY or its ${r} replica`);
    }
  }
});

test("the Terraform outputs the guide reads exist (rds_endpoints with .writer)", () => {
  const outputs = fs.readFileSync(infra("terraform/outputs.tf"), "utf8");
  for (const o of names.terraformOutputs) assert.match(outputs, new RegExp(`output "${o}"`));
  assert.match(fs.readFileSync(infra("terraform/modules/aurora_global/outputs.tf"), "utf8"), /writer\s+=/);
});

test("terraform.tfvars.example sets what the guide's terraform.tfvars sets", () => {
  const guide = guideText();
  const tfvars = guide.match(/cat > terraform\.tfvars <<EOF\n([\s\S]*?)\nEOF/)[1];
  const example = fs.readFileSync(infra("terraform/terraform.tfvars.example"), "utf8").replace(/\s+/g, " ");
  for (const line of tfvars.split("\n")) {
    const [key, value] = line.split(/\s*=\s*/);
    assert.ok(example.includes(`${key} = ${value}`) || example.includes(`${key} = ${value}`.replace(/\s+/g, " ")), `${key} = ${value}`);
  }
  const variables = fs.readFileSync(infra("terraform/variables.tf"), "utf8");
  for (const line of tfvars.split("\n")) assert.match(variables, new RegExp(`variable "${line.split(/\s*=/)[0]}"`));
});
