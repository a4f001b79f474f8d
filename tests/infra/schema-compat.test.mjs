// infrastructure/ci-cd/schema-compat.sh on a scratch repository: which releases' migrations let the
// running release keep serving (the rule src/db/migrations.hpp applies in /ready and `migrate`).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync, execFileSync } from "node:child_process";
import { infra } from "./lib/paths.mjs";

function scratchRepo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "schema-compat-"));
  const git = (...args) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
  git("init", "-q");
  git("config", "user.email", "ci@example.invalid");
  git("config", "user.name", "ci");
  fs.mkdirSync(path.join(dir, "migrations"));
  const commit = (files) => {
    for (const [name, sql] of Object.entries(files)) {
      const file = path.join(dir, "migrations", name);
      if (sql === null) fs.rmSync(file); else fs.writeFileSync(file, sql);
    }
    git("add", "-A");
    git("commit", "-qm", "release");
    return git("rev-parse", "HEAD");
  };
  const check = (running, next) => {
    const r = spawnSync(infra("ci-cd/schema-compat.sh"), [running, next, dir], { encoding: "utf8" });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  return { commit, check, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test("one additive migration runs with the release before it; two in one release need the second to say so", () => {
  const repo = scratchRepo();
  try {
    const r1 = repo.commit({ "0001_base.sql": "CREATE TABLE a (id int);\n" });
    const r2 = repo.commit({ "0002_more.sql": "ALTER TABLE a ADD COLUMN b int;\n" });
    let c = repo.check(r1, r2);
    assert.equal(c.status, 0, c.out);
    assert.match(c.out, /0002_more\.sql: additive/);

    const r3 = repo.commit({
      "0003_x.sql": "CREATE TABLE x (id int);\n",
      "0004_y.sql": "CREATE TABLE y (id int);\n",
    });
    c = repo.check(r2, r3);
    assert.equal(c.status, 1, c.out);
    assert.match(c.out, /knows migrations up to 2, and migrations\/0004_y\.sql needs a binary of 3 or later/);

    const r4 = repo.commit({ "0004_y.sql": "-- oldest-compatible-binary: 2\nCREATE TABLE y (id int);\n" });
    c = repo.check(r2, r4);
    assert.equal(c.status, 0, c.out);
    assert.match(c.out, /0004_y\.sql: declares oldest-compatible-binary 2/);
  } finally { repo.done(); }
});

test("a contracting migration that needs its own release is refused; so is editing a released one", () => {
  const repo = scratchRepo();
  try {
    const r1 = repo.commit({ "0001_base.sql": "CREATE TABLE a (id int, old text);\n" });
    const r2 = repo.commit({ "0002_drop.sql": "-- oldest-compatible-binary: 2\nALTER TABLE a DROP COLUMN old;\n" });
    let c = repo.check(r1, r2);
    assert.equal(c.status, 1, c.out);
    assert.match(c.out, /needs a binary of 2 or later/);

    const r3 = repo.commit({ "0001_base.sql": "CREATE TABLE a (id bigint, old text);\n" });
    c = repo.check(r2, r3);
    assert.equal(c.status, 1, c.out);
    assert.match(c.out, /never edited once released/);
  } finally { repo.done(); }
});

test("commits that are not in the repository cannot be compared", () => {
  const repo = scratchRepo();
  try {
    const r1 = repo.commit({ "0001_base.sql": "CREATE TABLE a (id int);\n" });
    const c = repo.check("latest", r1);
    assert.equal(c.status, 2, c.out);
    assert.match(c.out, /latest is not a commit/);
  } finally { repo.done(); }
});
