// PromQL helpers: parse expressions with promtool (by wrapping them as recording rules), list
// the metric names an expression reads, and find the metrics the server exports (from src/).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { stringify } from "yaml";

export { metricNames, substituteGrafanaVars } from "./metric_names.mjs";

export function promtool(args, cwd) {
  try {
    return { ok: true, out: execFileSync("promtool", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
  } catch (e) {
    if (e.code === "ENOENT") throw new Error("promtool is not installed (apt-get install prometheus)");
    return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

// Returns { where: error } for every expression promtool cannot parse ({} = all parse).
export function parseAll(exprs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promql-"));
  try {
    const bad = {};
    const entries = Object.entries(exprs);
    const write = (list) => {
      const file = path.join(dir, "exprs.yaml");
      fs.writeFileSync(file, stringify({ groups: [{ name: "exprs", rules: list.map(([, e], i) => ({ record: `check:expr:${i}`, expr: e })) }] }));
      return promtool(["check", "rules", file]);
    };
    if (write(entries).ok) return bad;
    for (const entry of entries) {
      const r = write([entry]);
      if (!r.ok) bad[entry[0]] = r.out.split("\n").filter((l) => /error|err=|parse/i.test(l)).join(" ").trim() || r.out.trim();
    }
    return bad;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The metric families the server writes, found in its sources: names given to a scrape-time
// family (metrics::Families gauge()/counter(), the pool gauge helper) or a prometheus-cpp
// builder's .Name(). Histograms (BuildHistogram()) add their series. The live check
// (tests/api/metrics.test.mjs) reads the same names from a running server's /metrics.
export function serverMetrics(srcDir) {
  const names = new Set();
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(cpp|hpp|h|cc)$/.test(e.name)) {
        const text = fs.readFileSync(p, "utf8");
        for (const m of text.matchAll(/(Build(?:Histogram|Summary)\(\)\s*)?(?:\bgauge\(|\bcounter\(|\.Name\()"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g)) {
          names.add(m[2]);
          if (m[1]?.startsWith("BuildHistogram")) for (const s of ["_bucket", "_sum", "_count"]) names.add(m[2] + s);
          if (m[1]?.startsWith("BuildSummary")) for (const s of ["_sum", "_count"]) names.add(m[2] + s);
        }
      }
    }
  };
  walk(srcDir);
  return names;
}
