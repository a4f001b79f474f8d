// Renders a kustomization with `kubectl kustomize`, exactly what `kubectl apply -k` would send.
import { execFileSync } from "node:child_process";
import { parseAllDocuments } from "yaml";

export function render(dir) {
  const out = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return parseDocs(out, dir);
}

export function parseDocs(text, where) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${where}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null) objects.push(value);
  }
  return objects;
}

export const id = (o) => `${o.kind}/${o.metadata?.name}`;
