// Cross-reference checks over one rendered overlay: what names one object gives another must exist.
// Each function returns a list of problems; [] means the rule holds.
import fs from "node:fs";
import path from "node:path";
import { id } from "./kustomize.mjs";
import { repoRoot, infra } from "./paths.mjs";

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
const matches = (selector, labels = {}) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector?.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === "In") return has && e.values.includes(labels[e.key]);
    if (e.operator === "NotIn") return !has || !e.values.includes(labels[e.key]);
    if (e.operator === "Exists") return has;
    if (e.operator === "DoesNotExist") return !has;
    return false;
  });
const isEmpty = (selector) => !selector || (!selector.matchLabels && !selector.matchExpressions);

export function index(objects) {
  const by = (kind) => objects.filter((o) => o.kind === kind);
  const workloads = objects.filter((o) => WORKLOADS.has(o.kind));
  const pods = workloads.map((w) => ({ owner: w, labels: w.spec.template.metadata?.labels ?? {}, spec: w.spec.template.spec }));
  const containers = (pod) => [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])];
  return { objects, by, workloads, pods, containers };
}

export function workloadSelectors({ workloads }) {
  return workloads
    .filter((w) => !matches(w.spec.selector, w.spec.template.metadata?.labels))
    .map((w) => `${id(w)}: spec.selector does not match its pod template's labels`);
}

export function services(ix) {
  const out = [];
  for (const s of ix.by("Service")) {
    const pods = ix.pods.filter((p) => s.spec.selector && Object.entries(s.spec.selector).every(([k, v]) => p.labels[k] === v));
    if (pods.length === 0) {
      out.push(`${id(s)}: selector ${JSON.stringify(s.spec.selector)} matches no pod template`);
      continue;
    }
    for (const port of s.spec.ports ?? []) {
      const target = port.targetPort ?? port.port;
      for (const p of pods) {
        const found = p.spec.containers.some((c) => (c.ports ?? []).some((cp) => cp.name === target || cp.containerPort === target));
        if (!found) out.push(`${id(s)}: targetPort ${target} is not a container port of ${id(p.owner)}`);
      }
    }
  }
  return out;
}

function servicePort(ix, name, port) {
  const s = ix.by("Service").find((x) => x.metadata.name === name);
  if (!s) return `Service ${name} does not exist`;
  const ok = (s.spec.ports ?? []).some((p) => (port.name !== undefined ? p.name === port.name : p.port === port.number));
  return ok ? null : `Service ${name} has no port ${port.name ?? port.number}`;
}

export function ingresses(ix) {
  const out = [];
  const certSecrets = new Set(ix.by("Certificate").map((c) => c.spec.secretName));
  for (const ing of ix.by("Ingress")) {
    for (const rule of ing.spec.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const problem = servicePort(ix, path.backend.service.name, path.backend.service.port);
        if (problem) out.push(`${id(ing)} ${path.path}: ${problem}`);
      }
    }
    for (const tls of ing.spec.tls ?? []) {
      if (!certSecrets.has(tls.secretName)) out.push(`${id(ing)}: no Certificate issues TLS secret ${tls.secretName}`);
    }
  }
  return out;
}

export function externalSecrets(ix) {
  return ix.by("ExternalSecret").flatMap((e) => {
    const kind = e.spec.secretStoreRef?.kind ?? "SecretStore";
    const found = ix.by(kind).some((s) => s.metadata.name === e.spec.secretStoreRef?.name);
    return found ? [] : [`${id(e)}: store ${kind}/${e.spec.secretStoreRef?.name} does not exist`];
  });
}

export function certificates(ix) {
  return ix.by("Certificate").flatMap((c) => {
    const kind = c.spec.issuerRef.kind ?? "Issuer";
    const found = ix.by(kind).some((i) => i.metadata.name === c.spec.issuerRef.name);
    return found ? [] : [`${id(c)}: issuer ${kind}/${c.spec.issuerRef.name} does not exist`];
  });
}

export function serviceMonitors(ix) {
  const out = [];
  for (const sm of ix.by("ServiceMonitor")) {
    const svcs = ix.by("Service").filter((s) => matches(sm.spec.selector, s.metadata.labels));
    if (svcs.length === 0) out.push(`${id(sm)}: selector matches no Service`);
    for (const ep of sm.spec.endpoints ?? []) {
      for (const s of svcs) {
        if (ep.port && !(s.spec.ports ?? []).some((p) => p.name === ep.port)) out.push(`${id(sm)}: ${id(s)} has no port named ${ep.port}`);
      }
    }
  }
  return out;
}

export function autoscalers(ix) {
  const out = [];
  for (const h of ix.by("HorizontalPodAutoscaler")) {
    const ref = h.spec.scaleTargetRef;
    const target = ix.workloads.find((w) => w.kind === ref.kind && w.metadata.name === ref.name);
    if (!target) {
      out.push(`${id(h)}: scale target ${ref.kind}/${ref.name} does not exist`);
      continue;
    }
    if ((h.spec.minReplicas ?? 1) > h.spec.maxReplicas) out.push(`${id(h)}: minReplicas > maxReplicas`);
    for (const m of h.spec.metrics ?? []) {
      if (m.type !== "Resource") continue;
      const missing = target.spec.template.spec.containers.filter((c) => !c.resources?.requests?.[m.resource.name]);
      if (missing.length) out.push(`${id(h)}: ${m.resource.name} utilization needs requests on ${missing.map((c) => c.name).join(", ")}`);
    }
  }
  return out;
}

export function disruptionBudgets(ix) {
  return ix.by("PodDisruptionBudget")
    .filter((pdb) => !ix.pods.some((p) => matches(pdb.spec.selector, p.labels)))
    .map((pdb) => `${id(pdb)}: selector matches no pod template`);
}

export function networkPolicies(ix) {
  const out = [];
  for (const np of ix.by("NetworkPolicy")) {
    if (!isEmpty(np.spec.podSelector) && !ix.pods.some((p) => matches(np.spec.podSelector, p.labels))) {
      out.push(`${id(np)}: podSelector matches no pod template`);
    }
    const peers = [...(np.spec.ingress ?? []).flatMap((r) => r.from ?? []), ...(np.spec.egress ?? []).flatMap((r) => r.to ?? [])];
    for (const peer of peers) {
      if (peer.podSelector && !peer.namespaceSelector && !isEmpty(peer.podSelector) && !ix.pods.some((p) => matches(peer.podSelector, p.labels))) {
        out.push(`${id(np)}: peer podSelector ${JSON.stringify(peer.podSelector)} matches no pod template`);
      }
    }
  }
  return out;
}

// ConfigMaps and Secrets named by pods exist (a Secret may come from an ExternalSecret), and so
// do the ConfigMap keys they pick; mounts name declared volumes; probe ports are declared.
export function podReferences(ix) {
  const out = [];
  const configMaps = new Map(ix.by("ConfigMap").map((c) => [c.metadata.name, c.data ?? {}]));
  const secrets = new Set([...ix.by("Secret").map((s) => s.metadata.name), ...ix.by("ExternalSecret").map((e) => e.spec.target?.name ?? e.metadata.name)]);
  for (const pod of ix.pods) {
    const where = id(pod.owner);
    const volumes = new Set((pod.spec.volumes ?? []).map((v) => v.name));
    if (pod.spec.serviceAccountName && pod.spec.serviceAccountName !== "default" &&
        !ix.by("ServiceAccount").some((s) => s.metadata.name === pod.spec.serviceAccountName)) {
      out.push(`${where}: ServiceAccount ${pod.spec.serviceAccountName} does not exist`);
    }
    for (const c of ix.containers(pod)) {
      for (const src of c.envFrom ?? []) {
        if (src.configMapRef && !configMaps.has(src.configMapRef.name)) out.push(`${where}/${c.name}: ConfigMap ${src.configMapRef.name} does not exist`);
        if (src.secretRef && !secrets.has(src.secretRef.name)) out.push(`${where}/${c.name}: Secret ${src.secretRef.name} does not exist`);
      }
      for (const e of c.env ?? []) {
        const cm = e.valueFrom?.configMapKeyRef;
        if (cm && !(configMaps.get(cm.name) && Object.hasOwn(configMaps.get(cm.name), cm.key))) out.push(`${where}/${c.name}: ConfigMap key ${cm.name}/${cm.key} does not exist`);
        const sk = e.valueFrom?.secretKeyRef;
        if (sk && !secrets.has(sk.name)) out.push(`${where}/${c.name}: Secret ${sk.name} does not exist`);
      }
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.has(m.name)) out.push(`${where}/${c.name}: volumeMount ${m.name} names no volume`);
      }
      const portNames = new Set((c.ports ?? []).map((p) => p.name));
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe].filter(Boolean)) {
        const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
        if (typeof port === "string" && !portNames.has(port)) out.push(`${where}/${c.name}: probe port ${port} is not declared`);
      }
    }
  }
  return out;
}

// The restricted Pod Security Standard and the basics of a well-behaved pod.
export function podHardening(ix) {
  const out = [];
  for (const pod of ix.pods) {
    const where = id(pod.owner);
    if (pod.spec.securityContext?.runAsNonRoot !== true) out.push(`${where}: pod securityContext.runAsNonRoot is not true`);
    if (pod.spec.securityContext?.seccompProfile?.type !== "RuntimeDefault") out.push(`${where}: no RuntimeDefault seccomp profile`);
    for (const c of ix.containers(pod)) {
      const sc = c.securityContext ?? {};
      if (sc.readOnlyRootFilesystem !== true) out.push(`${where}/${c.name}: root filesystem is writable`);
      if (sc.allowPrivilegeEscalation !== false) out.push(`${where}/${c.name}: allowPrivilegeEscalation is not false`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) out.push(`${where}/${c.name}: capabilities are not all dropped`);
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory) {
        out.push(`${where}/${c.name}: needs cpu and memory requests and a memory limit`);
      }
    }
  }
  return out;
}

// The three application Deployments probe /health (liveness) and /ready (readiness), spread over
// zones, and run the roles the design gives them.
export function applicationPods(ix) {
  const out = [];
  const roles = { "musicconnect-backend": "api,worker", "musicconnect-websocket": "ws" };
  for (const name of ["musicconnect-backend", "musicconnect-websocket", "musicconnect-frontend"]) {
    const d = ix.by("Deployment").find((x) => x.metadata.name === name);
    if (!d) {
      out.push(`Deployment/${name} does not exist`);
      continue;
    }
    const main = d.spec.template.spec.containers[0];
    if (main.livenessProbe?.httpGet?.path !== "/health") out.push(`${id(d)}: liveness probe is not GET /health`);
    if (main.readinessProbe?.httpGet?.path !== "/ready") out.push(`${id(d)}: readiness probe is not GET /ready`);
    if (!(d.spec.template.spec.topologySpreadConstraints ?? []).some((t) => t.topologyKey === "topology.kubernetes.io/zone")) {
      out.push(`${id(d)}: no topology spread over zones`);
    }
    if (roles[name]) {
      const args = main.args ?? [];
      const at = args.indexOf("--roles");
      if (args[0] !== "serve" || at < 0 || args[at + 1] !== roles[name]) out.push(`${id(d)}: expected \`serve --roles ${roles[name]}\`, got \`${args.join(" ")}\``);
    }
  }
  return out;
}

// AWS's documentation account: the overlays' images name it until an installation runs
// infrastructure/kubernetes/set-registry.sh (docs/infrastructure.md, "Images and the registry").
export const PLACEHOLDER_ACCOUNT = "123456789012";
const placeholderAccount = (account) => account === PLACEHOLDER_ACCOUNT || /^(\d)\1{11}$/.test(account);

// The placeholder registry is accepted only while its documented replacement exists: the script,
// executable, and the documentation telling operators to run it. CHECK_INFRA_SITE=1 (a deployment's
// own fork, after set-registry.sh) accepts no placeholder at all.
export function placeholderRegistryDocumented() {
  if (process.env.CHECK_INFRA_SITE === "1") return false;
  const script = infra("kubernetes/set-registry.sh");
  const doc = path.join(repoRoot, "docs/infrastructure.md");
  try {
    fs.accessSync(script, fs.constants.X_OK);
    return fs.readFileSync(doc, "utf8").includes("infrastructure/kubernetes/set-registry.sh \"$ECR_REGISTRY\"");
  } catch {
    return false;
  }
}

// The registry host of an image reference, or null when it has none (Docker Hub implied).
export function registryOf(image) {
  const first = image.split("/")[0];
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : null;
}

// Values the base leaves as "unset" must be given by the overlay; the application's images come
// from a registry, and not from a placeholder account unless its documented replacement exists.
export function placeholders(ix) {
  const out = ix.by("ConfigMap").flatMap((c) =>
    Object.entries(c.data ?? {}).filter(([, v]) => v === "unset").map(([k]) => `${id(c)}: ${k} is still "unset"`));
  const documented = placeholderRegistryDocumented();
  for (const pod of ix.pods) {
    for (const c of ix.containers(pod)) {
      const registry = registryOf(c.image ?? "");
      const name = (c.image ?? "").split("/").pop().split(/[:@]/)[0];
      if (!registry) {
        if (name.startsWith("musicconnect-")) out.push(`${id(pod.owner)}/${c.name}: image ${c.image} names no registry (it would be pulled from Docker Hub)`);
        continue;
      }
      const account = registry.match(/^(\d{12})\.dkr\.ecr\./)?.[1];
      if (account && placeholderAccount(account) && !(account === PLACEHOLDER_ACCOUNT && documented)) {
        out.push(`${id(pod.owner)}/${c.name}: image ${c.image} is in the placeholder account ${account}` +
          (account === PLACEHOLDER_ACCOUNT ? " (run infrastructure/kubernetes/set-registry.sh, docs/infrastructure.md)" : ""));
      }
    }
  }
  return out;
}

export const ALL = { workloadSelectors, services, ingresses, certificates, externalSecrets, serviceMonitors, autoscalers, disruptionBudgets, networkPolicies, podReferences, podHardening, applicationPods, placeholders };
