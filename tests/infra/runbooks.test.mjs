// The runbooks (infrastructure/runbooks/) and TROUBLESHOOTING.md name real things: every path they
// mention exists, every Kubernetes object their kubectl commands touch is rendered by the overlays,
// every metric they query is exported (by the server, `ops status` or a named exporter) or recorded,
// and every PromQL expression they give parses.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { repoRoot, infra } from "./lib/paths.mjs";
import { render } from "./lib/kustomize.mjs";
import { metricNames, parseAll, serverMetrics } from "./lib/promql.mjs";

const RUNBOOKS = ["deploy", "scale", "failover", "region-evacuation", "restore-from-backup", "rotate-secrets", "incident-response"];
const docs = [
  ...RUNBOOKS.map((r) => `infrastructure/runbooks/${r}.md`),
  "infrastructure/runbooks/README.md",
  "TROUBLESHOOTING.md",
];
const read = (f) => fs.readFileSync(path.join(repoRoot, f), "utf8");

// inline code spans and fenced blocks: what an operator types
function codeOf(text) {
  const fenced = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  const inline = [...text.replace(/```[\s\S]*?```/g, "").matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  return { fenced, inline, all: [...fenced, ...inline] };
}

test("every runbook the guide's infrastructure/runbooks/ promises, and TROUBLESHOOTING.md, exist", () => {
  for (const f of docs) assert.ok(fs.existsSync(path.join(repoRoot, f)), `${f} is missing`);
});

test("every path the runbooks and TROUBLESHOOTING.md name exists", () => {
  const missing = [];
  for (const f of docs) {
    for (const code of codeOf(read(f)).all.concat(read(f))) {
      for (const m of code.matchAll(/(?<![\w./$-])((?:\.\/)?(?:infrastructure|scripts|launch|tests|docs|src|migrations|\.github|\.ci)\/[\w./-]*[\w/])(?![\w$<{*-])/g)) {
        const p = m[1].replace(/^\.\//, "");
        if (!fs.existsSync(path.join(repoRoot, p))) missing.push(`${f}: ${p}`);
      }
    }
  }
  assert.deepEqual([...new Set(missing)], []);
});

const KIND = { deployment: "Deployment", deploy: "Deployment", hpa: "HorizontalPodAutoscaler", configmap: "ConfigMap", externalsecret: "ExternalSecret", pdb: "PodDisruptionBudget", endpoints: "Service", service: "Service", svc: "Service", certificate: "Certificate" };

test("every Kubernetes object the runbooks' kubectl commands name is rendered by the overlays", () => {
  const objects = render(infra("kubernetes/overlays/us-east-1"));
  const has = (kind, name) => objects.some((o) => o.kind === kind && o.metadata.name === name);
  const canaryMaker = fs.readFileSync(infra("ci-cd/deploy-region.sh"), "utf8");
  const problems = [];
  let seen = 0;
  for (const f of docs) {
    for (const code of codeOf(read(f)).all) {
      const refs = [];
      for (const m of code.matchAll(/\b(deployment|deploy|hpa|configmap|externalsecret|pdb|endpoints|service|svc|certificate)[/ ]+(musicconnect-[a-z0-9-]*[a-z0-9])\b(?![$])/g)) refs.push([KIND[m[1]], m[2]]);
      // further names on the same command (`scale deployment a b c`, `delete deployment a b`)
      for (const m of code.matchAll(/\b(?:scale|delete|get|restart) (deployment|deploy)((?: musicconnect-[a-z0-9-]*[a-z0-9])+)/g)) {
        for (const n of m[2].trim().split(/\s+/)) refs.push(["Deployment", n]);
      }
      for (const m of code.matchAll(/-l app=(musicconnect-[a-z0-9-]*[a-z0-9])/g)) refs.push(["pods of", m[1]]);
      for (const m of code.matchAll(/\b(musicconnect-[a-z0-9-]*-(hpa|pdb))\b/g)) refs.push([m[2] === "hpa" ? "HorizontalPodAutoscaler" : "PodDisruptionBudget", m[1]]);
      for (const [kind, name] of refs) {
        seen++;
        if (kind === "pods of") {
          if (!objects.some((o) => o.kind === "Deployment" && o.spec.template.metadata.labels.app === name)) problems.push(`${f}: no pods labelled app=${name}`);
        } else if (kind === "Deployment" && name.endsWith("-canary")) {
          if (!has("Deployment", name.replace(/-canary$/, "")) || !canaryMaker.includes('-canary"')) problems.push(`${f}: ${name} is not a canary deploy-region.sh creates`);
        } else if (!has(kind, name)) problems.push(`${f}: ${kind}/${name} is not in the rendered overlay`);
      }
    }
  }
  assert.ok(seen > 20, `found only ${seen} object references (the scan is broken)`);
  assert.deepEqual([...new Set(problems)], []);
});

const METRIC = /\b((?:http_request|db_pool_|ws_|jobs_|mc_|musicconnect_|certmanager_|kube_|slo:)[a-zA-Z0-9_:]*)/g;

function knownMetrics() {
  const known = serverMetrics(path.join(repoRoot, "src"));
  // (`musicconnect ops status --format prometheus` builds its families the same way, in src/ops/status.cpp)
  for (const name of Object.keys(parse(fs.readFileSync(infra("monitoring/external-metrics.yaml"), "utf8")))) known.add(name);
  // the HPAs' custom metrics, which prometheus-adapter serves under these names
  for (const m of fs.readFileSync(infra("monitoring/prometheus-adapter-values.yaml"), "utf8").matchAll(/^\s*as: ([a-z_]+)$/gm)) known.add(m[1]);
  const rules = parse(fs.readFileSync(infra("monitoring/rules/musicconnect-rules.yaml"), "utf8"));
  for (const g of rules.spec?.groups ?? rules.groups ?? []) for (const r of g.rules) if (r.record) known.add(r.record);
  return known;
}

const FUNCTIONS = /^(sum|topk|max|min|avg|count|histogram_quantile|increase|rate)\s*(by\s*\([^)]*\)\s*)?\(/;
const SELECTOR = /^(?:http_request|db_pool_|ws_|jobs_|mc_|musicconnect_|certmanager_|kube_|slo:)[a-zA-Z0-9_:]*(\{[^}]*\}|\[[^\]]+\]| [-+*\/<>])/;
const isPromQL = (code) => FUNCTIONS.test(code.trim()) || SELECTOR.test(code.trim());

test("every metric the runbooks and TROUBLESHOOTING.md name exists", () => {
  const known = knownMetrics();
  assert.ok(known.has("http_requests_total") && known.has("musicconnect_region_primary"), "the metric scan is broken");
  const unknown = [];
  let seen = 0;
  for (const f of docs) {
    for (const code of codeOf(read(f)).all) {
      const names = isPromQL(code) ? metricNames(code) : [...code.matchAll(METRIC)].map((m) => m[1]);
      for (const n of names) {
        if (!METRIC.test(n)) { METRIC.lastIndex = 0; continue; }
        METRIC.lastIndex = 0;
        seen++;
        if (!known.has(n)) unknown.push(`${f}: ${n}`);
      }
    }
  }
  assert.ok(seen > 20, `found only ${seen} metric names (the scan is broken)`);
  assert.deepEqual([...new Set(unknown)], []);
});

test("every PromQL expression in them parses (promtool)", () => {
  const exprs = {};
  for (const f of docs) codeOf(read(f)).inline.filter(isPromQL).forEach((e, i) => { exprs[`${f} #${i + 1}: ${e}`] = e; });
  assert.ok(Object.keys(exprs).length >= 5, "found too few PromQL expressions (the scan is broken)");
  assert.deepEqual(parseAll(exprs), {});
});

test("every alert the runbooks and TROUBLESHOOTING.md name is a rule", () => {
  const rules = parse(fs.readFileSync(infra("monitoring/rules/musicconnect-rules.yaml"), "utf8"));
  const alerts = new Set((rules.spec?.groups ?? rules.groups).flatMap((g) => g.rules).filter((r) => r.alert).map((r) => r.alert));
  const unknown = [];
  for (const f of docs) {
    for (const m of read(f).matchAll(/`([A-Z][A-Za-z]+(?:Fast|Slow|Rate|Down|Saturated|Refused|Saturation|Maximum|Failures|Failing|Backlog|Dead|High|Critical|Failover|Soon))`/g)) {
      if (!alerts.has(m[1])) unknown.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual([...new Set(unknown)], []);
});
