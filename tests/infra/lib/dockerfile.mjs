// A small Dockerfile parser and the rules we hold our images to (a subset of hadolint's, plus the
// project's own: pinned Debian bookworm bases, multi-stage, non-root, HEALTHCHECK, setup.sh).
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { execFileSync } from "node:child_process";

const INSTRUCTIONS = new Set(["FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "MAINTAINER"]);

// Instructions with continuation lines joined; comments dropped; heredocs are not used here.
export function parseDockerfile(text) {
  const out = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    const start = i + 1;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, " ");
      i++;
      if (!/^\s*#/.test(lines[i])) line += lines[i];
    }
    const m = line.match(/^\s*(\S+)\s*([\s\S]*)$/);
    out.push({ cmd: m[1].toUpperCase(), raw: m[1], args: m[2].trim(), line: start });
  }
  return out;
}

const flags = (args) => Object.fromEntries([...args.matchAll(/--([\w-]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
const withoutFlags = (args) => args.replace(/--[\w-]+=\S+\s*/g, "").trim();
const isExecForm = (args) => { try { return Array.isArray(JSON.parse(args)); } catch { return false; } };

export function stages(instrs) {
  const result = [];
  for (const ins of instrs) {
    if (ins.cmd === "FROM") {
      const [image, as, name] = withoutFlags(ins.args).split(/\s+/);
      result.push({ image, name: as?.toUpperCase() === "AS" ? name : undefined, line: ins.line, body: [] });
    } else if (result.length) {
      result.at(-1).body.push(ins);
    }
  }
  return result;
}

// An image reference pinned the way we accept: Debian bookworm by dated tag, ideally with a digest.
export const PINNED_BASE = /^debian:bookworm-\d{8}-slim(@sha256:[0-9a-f]{64})?$/;

export function lint(file, repoRoot) {
  const problems = [];
  const say = (ins, msg) => problems.push(`${path.basename(file)}:${ins?.line ?? 0}: ${msg}`);
  const instrs = parseDockerfile(fs.readFileSync(file, "utf8"));
  const args = Object.fromEntries(instrs.filter((i) => i.cmd === "ARG").map((i) => i.args.split("=")).map(([k, v]) => [k, v]));
  const all = stages(instrs);
  for (const ins of instrs) if (!INSTRUCTIONS.has(ins.cmd)) say(ins, `unknown instruction ${ins.raw}`);
  if (all.length < 2) say(instrs[0], "not a multi-stage build");

  const seen = [];
  for (const [n, st] of all.entries()) {
    const resolved = st.image.replace(/\$\{?(\w+)\}?/g, (_, v) => args[v] ?? `<undefined ${v}>`);
    if (!seen.includes(st.image) && !PINNED_BASE.test(resolved)) say({ line: st.line }, `base image ${resolved} is not a pinned debian:bookworm-YYYYMMDD-slim`);
    for (const ins of st.body) {
      const from = flags(ins.args).from;
      if ((ins.cmd === "COPY" || ins.cmd === "ADD") && from !== undefined && !seen.includes(from) && !(Number(from) < n)) {
        say(ins, `--from=${from} names no earlier stage`);
      }
      if (ins.cmd === "COPY" && from === undefined) {
        const parts = withoutFlags(ins.args).split(/\s+/);
        for (const src of parts.slice(0, -1)) if (src !== "." && !fs.existsSync(path.join(repoRoot, src))) say(ins, `COPY source ${src} does not exist in the build context`);
      }
      if (ins.cmd === "ADD" && !/https?:\/\/|\.tar/.test(ins.args)) say(ins, "use COPY for local files (DL3020)");
      if (ins.cmd === "WORKDIR" && !ins.args.startsWith("/")) say(ins, "WORKDIR must be absolute (DL3000)");
      if (ins.cmd === "RUN") {
        const body = ins.args;
        if (/\bsudo\b/.test(body)) say(ins, "do not use sudo (DL3004)");
        if (/apt-get (-\S+ )*install/.test(body)) {
          if (!/--no-install-recommends/.test(body)) say(ins, "apt-get install without --no-install-recommends (DL3015)");
          if (!/ -y\b| -yq?q?\b|--yes/.test(body)) say(ins, "apt-get install without -y (DL3014)");
          if (!/apt-get (-\S+ )*update/.test(body)) say(ins, "apt-get install without apt-get update in the same RUN (DL3009)");
          if (!/rm -rf \/var\/lib\/apt\/lists/.test(body)) say(ins, "apt lists are not removed in the same RUN (DL3009)");
        }
        if (/\|/.test(body.replace(/\|\|/g, "")) && !st.body.some((i) => i.cmd === "SHELL" && /pipefail/.test(i.args) && i.line < ins.line)) say(ins, "pipe without SHELL pipefail (DL4006)");
      }
      if ((ins.cmd === "CMD" || ins.cmd === "ENTRYPOINT") && !isExecForm(ins.args)) say(ins, `${ins.cmd} must use the JSON (exec) form (DL3025)`);
    }
    if (st.name) seen.push(st.name);
  }

  const final = all.at(-1);
  const user = final?.body.filter((i) => i.cmd === "USER").at(-1);
  if (!user) say({ line: final?.line }, "the final stage sets no USER (runs as root)");
  else if (/^(0|root)(:|$)/.test(user.args)) say(user, "the final stage runs as root");
  if (!final?.body.some((i) => i.cmd === "HEALTHCHECK")) say({ line: final?.line }, "the final stage has no HEALTHCHECK");
  if (!all.some((st) => st.body.some((i) => i.cmd === "RUN" && /scripts\/setup\.sh/.test(i.args)))) say(instrs[0], "no stage builds with scripts/setup.sh");
  return problems;
}

// shellcheck on every RUN, with the stage's SHELL (bash when it sets one, sh otherwise).
export function shellcheckRuns(file) {
  const problems = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "runcheck-"));
  try {
    for (const st of stages(parseDockerfile(fs.readFileSync(file, "utf8")))) {
      let shell = "sh";
      for (const ins of st.body) {
        if (ins.cmd === "SHELL") shell = /bash/.test(ins.args) ? "bash" : "sh";
        if (ins.cmd !== "RUN" || isExecForm(ins.args)) continue;
        const script = path.join(dir, `run-${ins.line}.sh`);
        fs.writeFileSync(script, `#!/bin/${shell}\n${ins.args}\n`);
        try {
          execFileSync("shellcheck", ["-s", shell, "-f", "gcc", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        } catch (e) {
          if (e.code === "ENOENT") throw new Error("shellcheck is not installed (apt-get install shellcheck)");
          problems.push(`${path.basename(file)}:${ins.line}: ${e.stdout.trim().replace(/^.*?:\d+:\d+: /gm, "")}`);
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}
