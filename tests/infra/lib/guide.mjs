// Reads the operator guide (shared/SEED-deployment-guide.md beside the repository, or GUIDE) and
// pulls out what its commands name: files, Kubernetes objects, Terraform outputs, images.
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "./paths.mjs";

export const guidePath = process.env.GUIDE ?? path.resolve(repoRoot, "../shared/SEED-deployment-guide.md");

export function guideText() {
  if (!fs.existsSync(guidePath)) throw new Error(`the operator guide is not at ${guidePath} (set GUIDE)`);
  return fs.readFileSync(guidePath, "utf8");
}

const all = (text, re) => [...text.matchAll(re)].map((m) => m.slice(1));

export function guideNames(text = guideText()) {
  return {
    // infrastructure/... paths, plus the Lambda@Edge sources zipped after `cd .../lambda`
    files: [...new Set([
      ...all(text, /(infrastructure\/[\w./${}-]+)/g).map(([p]) => p.replace(/[.,;:]$/, "")),
      ...all(text, /zip -r \S+ (\S+\.js)/g).map(([f]) => `infrastructure/terraform/modules/cloudfront/lambda/${f}`),
      ...all(text, /See `([\w.]+\.md)`/g).map(([f]) => f),
    ])],
    deployments: all(text, /scale deployment ([\w-]+).*?-n ([\w-]+)/g),
    hpas: all(text, /patch hpa ([\w-]+) -n ([\w-]+)[\s\\]*--patch '([^']+)'/g),
    podLabels: all(text, /-n ([\w-]+) -l (\w+)=([\w-]+)/g),
    namespaces: [...new Set(all(text, /(?:get pods|logs) -n ([\w-]+)/g).map(([n]) => n))],
    regions: all(text, /for region in ([\w -]+); do/g)[0][0].trim().split(/\s+/),
    terraformOutputs: [...new Set(all(text, /terraform output (?:-json |-raw )?([\w]+)/g).map(([o]) => o))],
    images: all(text, /docker build -f (\S+) -t \$ECR_REGISTRY\/([\w-]+):/g),
  };
}
