// Schema validation of Kubernetes objects with the kubernetes-models packages (core API and the
// CRDs we use). The models' validators ignore unknown fields, so each object is validated through
// a Proxy that records which fields the validator looked at: a field of a schema-described object
// that the validator never read is not in the schema (a misspelling such as `replicsa`).

const PACKAGES = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "external-secrets.io": "@kubernetes-models/external-secrets",
  "argoproj.io": "@kubernetes-models/argo-cd",
};

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const module = PACKAGES[group]
    ? `${PACKAGES[group]}/${group}/${version}`
    : group
      ? `kubernetes-models/${group}/${version}`
      : `kubernetes-models/${version}`;
  let mod;
  try {
    mod = await import(module);
  } catch {
    return null;
  }
  return mod[kind] ?? null;
}

function track(value, path, records) {
  if (value === null || typeof value !== "object") return value;
  const rec = { path, value, read: new Set(), enumerated: false };
  records.push(rec);
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") rec.read.add(key);
      const v = Reflect.get(target, key, receiver);
      return typeof key === "string" && Object.hasOwn(target, key) ? track(v, `${path}.${key}`, records) : v;
    },
    has(target, key) {
      if (typeof key === "string") rec.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      rec.enumerated = true; // a map (labels, data): any key is allowed
      return Reflect.ownKeys(target);
    },
  });
}

// Returns a list of problems ("" path = the object itself).
export async function validateObject(obj) {
  const Model = await modelFor(obj.apiVersion ?? "", obj.kind ?? "");
  if (!Model) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  const problems = [];
  const records = [];
  try {
    Model.prototype.validate.call(track(obj, "", records));
  } catch (e) {
    problems.push(e.message.replace(/\s+/g, " "));
  }
  for (const r of records) {
    if (Array.isArray(r.value) || r.enumerated || r.read.size === 0) continue;
    for (const key of Object.keys(r.value)) {
      if (!r.read.has(key)) problems.push(`unknown field ${r.path.slice(1) ? r.path.slice(1) + "." : ""}${key}`);
    }
  }
  return problems;
}
