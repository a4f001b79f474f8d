#!/usr/bin/env node
// A stand-in for kubectl (and, through its port-forwards, for the pods and Prometheus) that keeps a
// cluster's Deployments in a JSON file, for testing infrastructure/ci-cd/deploy-region.sh without a
// cluster. It implements exactly the commands that script runs, checks their arguments, and
// refuses anything else, so a changed command in the script fails the test instead of passing.
//
// State (KUBECTL_DOUBLE_STATE): { context, deployments: {name: object}, history: {name: [images]},
//   badTags: [tags whose pods answer /ready with 503], badStableTags: [the same, stable pods only],
//   stuckTags: [tags whose rollout never completes], errorTags: {tag: 5xx ratio} }; the commands
// run are appended to KUBECTL_DOUBLE_STATE.log.
import fs from "node:fs";
import http from "node:http";

const file = process.env.KUBECTL_DOUBLE_STATE;
const state = JSON.parse(fs.readFileSync(file, "utf8"));
// Only the mutating commands write the state, and never two at once (the script runs them one by
// one); a read may run beside a write (`kubectl get … | jq | kubectl apply -f -`), hence the rename.
const save = () => { fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2)); fs.renameSync(`${file}.tmp`, file); };
const fail = (msg, code = 1) => { process.stderr.write(`kubectl double: ${msg}\n`); process.exit(code); };

let args = process.argv.slice(2);
const take = (prefix) => {
  const i = args.findIndex((a) => a.startsWith(prefix));
  if (i < 0) return undefined;
  const [a] = args.splice(i, 1);
  return a.includes("=") ? a.slice(a.indexOf("=") + 1) : args.splice(i, 1)[0];
};
const context = take("--context");
if (context !== state.context) fail(`wrong context ${context}, expected ${state.context}`);
const ns = take("-n");
fs.appendFileSync(`${file}.log`, `${[ns, ...args].join(" ")}\n`); // every command, in order

const tagOf = (image) => image.split(":").pop();
const containersOf = (d) => [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers];
const mainImage = (d) => d.spec.template.spec.containers[0].image;
const matches = (labels, selector) => selector.split(",").every((term) => {
  const neg = term.match(/^(\w+)!=(.*)$/);
  if (neg) return labels[neg[1]] !== neg[2];
  const [k, v] = term.split("=");
  return labels[k] === v;
});
const podsOf = (name, d) => Array.from({ length: d.spec.replicas ?? 1 }, (_, i) => ({
  metadata: { name: `${name}-5d8f9c7b6-${"abcde"[i % 5]}${i}`, labels: d.spec.template.metadata.labels },
  status: { containerStatuses: d.spec.template.spec.containers.map((c) => ({ name: c.name, restartCount: 0 })) },
}));
const deploymentOfPod = (pod) => Object.keys(state.deployments).filter((n) => pod.startsWith(`${n}-`)).sort((a, b) => b.length - a.length)[0];

const [verb, ...rest] = args;
const need = (cond, what) => { if (!cond) fail(`unexpected arguments for ${verb}: ${args.join(" ")} (${what})`, 2); };

if (verb === "get" && rest[0] === "deployment") {
  need(ns === "musicconnect", "namespace");
  const d = state.deployments[rest[1]];
  if (!d) fail(`Error from server (NotFound): deployments.apps "${rest[1]}" not found`);
  const out = take("-o");
  if (out === undefined) console.log(`NAME READY\n${rest[1]} 1/1`);
  else if (out === "json") console.log(JSON.stringify(d));
  else if (out.startsWith("jsonpath=")) {
    const m = out.match(/containers\[\?\(@\.name=="(\w[\w-]*)"\)\]\.image/);
    need(m, "jsonpath");
    process.stdout.write(d.spec.template.spec.containers.find((c) => c.name === m[1])?.image ?? "");
  } else need(false, "output");
} else if (verb === "apply") {
  need(rest[0] === "-f" && rest[1] === "-", "apply -f -");
  const obj = JSON.parse(fs.readFileSync(0, "utf8"));
  need(obj.kind === "Deployment" && obj.metadata.namespace === "musicconnect", "a Deployment in musicconnect");
  need(Object.entries(obj.spec.selector.matchLabels).every(([k, v]) => obj.spec.template.metadata.labels[k] === v), "selector matches its pods");
  state.deployments[obj.metadata.name] = obj;
  save();
  console.log(`deployment.apps/${obj.metadata.name} configured`);
} else if (verb === "rollout") {
  const [sub, target] = rest;
  const name = target?.replace(/^deployment\//, "");
  need(state.deployments[name], `deployment/${name} exists`);
  if (sub === "status") {
    if ((state.stuckTags ?? []).includes(tagOf(mainImage(state.deployments[name])))) fail(`deployment "${name}" exceeded its progress deadline`);
    console.log(`deployment "${name}" successfully rolled out`);
  } else if (sub === "undo") {
    const h = state.history[name] ?? [];
    need(h.length > 0, "a previous revision");
    const previous = h.pop();
    containersOf(state.deployments[name]).forEach((c, i) => { c.image = previous[i]; });
    save();
    console.log(`deployment.apps/${name} rolled back`);
  } else if (sub === "history") console.log("REVISION CHANGE-CAUSE");
  else need(false, "rollout subcommand");
} else if (verb === "get" && rest[0] === "pods") {
  const selector = take("-l");
  need(take("-o") === "json", "-o json");
  const items = Object.entries(state.deployments).flatMap(([n, d]) => podsOf(n, d)).filter((p) => matches(p.metadata.labels, selector));
  console.log(JSON.stringify({ items }));
} else if (verb === "get" && rest[0] === "pod") {
  const name = deploymentOfPod(rest[1]);
  need(name, "a pod of a Deployment");
  process.stdout.write(state.deployments[name].spec.template.spec.containers.map(() => "0 ").join(""));
} else if (verb === "delete" && rest[0] === "deployment") {
  need(rest.includes("--ignore-not-found"), "--ignore-not-found");
  delete state.deployments[rest[1]];
  save();
} else if (verb === "set" && rest[0] === "image") {
  const name = rest[1].replace(/^deployment\//, "");
  const d = state.deployments[name];
  need(d, "deployment exists");
  (state.history[name] ??= []).push(containersOf(d).map((c) => c.image));
  for (const pair of rest.slice(2)) {
    const [c, image] = pair.split("=");
    const container = containersOf(d).find((x) => x.name === c);
    need(container, `container ${c}`);
    container.image = image;
  }
  save();
} else if (verb === "annotate") {
  need(rest[0].startsWith("deployment/") && rest.includes("--overwrite"), "annotate deployment --overwrite");
} else if (verb === "port-forward") {
  const [target, ports] = rest;
  const [local] = ports.split(":").map(Number);
  let handler;
  if (target === "svc/prometheus-operated") {
    need(ns === "musicconnect-monitoring", "Prometheus's namespace");
    handler = async (req, res) => {
      // Prometheus takes the query in the URL (GET) or as a form body (POST, curl --data-urlencode)
      let body = "";
      for await (const chunk of req) body += chunk;
      const q = new URL(req.url, "http://x").searchParams.get("query") ?? new URLSearchParams(body).get("query") ?? "";
      if (!req.url.startsWith("/api/v1/query") || !q) { res.statusCode = 400; res.end("{\"status\":\"error\"}"); return; }
      // the pods a query selects: canaries, or the stable ReplicaSets' pods
      const canary = q.includes("-canary-");
      const names = Object.keys(state.deployments).filter((n) => n.endsWith("-canary") === canary && n !== "musicconnect-frontend" && n !== "musicconnect-pgbouncer");
      const ratio = Math.max(0, ...names.map((n) => state.errorTags?.[tagOf(mainImage(state.deployments[n]))] ?? 0));
      const value = q.includes('status=~"5.."') ? ratio : 10; // the 5xx ratio, or the request rate
      res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [0, String(value)] }] } }));
    };
  } else {
    const name = deploymentOfPod(target.replace(/^pod\//, ""));
    need(name, "a pod of a Deployment");
    const tag = tagOf(mainImage(state.deployments[name]));
    const bad = (state.badTags ?? []).includes(tag) || (!name.endsWith("-canary") && (state.badStableTags ?? []).includes(tag));
    handler = (req, res) => {
      res.statusCode = req.url === "/ready" && bad ? 503 : 200;
      res.end(res.statusCode === 200 ? "{\"status\":\"ok\"}" : "{\"status\":\"not_ready\"}");
    };
  }
  const server = http.createServer(handler);
  server.listen(local, "127.0.0.1", () => console.log(`Forwarding from 127.0.0.1:${local} -> ${ports.split(":")[1]}`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
} else {
  fail(`command not supported by the double: ${args.join(" ")}`, 2);
}
