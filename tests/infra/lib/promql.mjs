// PromQL helpers: parse expressions with promtool (by wrapping them as recording rules), list
// the metric names an expression reads, and find the metrics the server exports (from src/).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { stringify } from "yaml";

// Grafana's template variables, replaced by a value so promtool can parse the expression.
export const substituteGrafanaVars = (expr) =>
  expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "5m").replace(/\$\{?(\w+)\}?/g, "$1");

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

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "inf", "nan", "atan2"]);

// Metric names an expression selects (recording rule names included; they contain a colon).
export function metricNames(expr) {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "") // label lists
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, "");
  const names = new Set();
  for (const m of bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)) {
    if (m[2] || KEYWORDS.has(m[1].toLowerCase())) continue; // a function call or a keyword
    names.add(m[1]);
  }
  return [...names];
}

// The metric families the server writes, found in its sources: names given to write_help(),
// the pool gauge helper, or a prometheus-cpp builder's .Name(). Histograms add their series.
export function serverMetrics(srcDir) {
  const names = new Set();
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(cpp|hpp|h|cc)$/.test(e.name)) {
        const text = fs.readFileSync(p, "utf8");
        for (const m of text.matchAll(/(?:write_help\(\s*\w+,\s*|gauge\(|\.Name\()"([a-zA-Z_:][a-zA-Z0-9_:]*)"(?:,\s*"(\w+)")?/g)) {
          names.add(m[1]);
          if (m[2] === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m[1] + s);
          if (m[2] === "summary") for (const s of ["_sum", "_count"]) names.add(m[1] + s);
        }
      }
    }
  };
  walk(srcDir);
  return names;
}
