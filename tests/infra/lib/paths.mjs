// Where the tree under test is: the repository by default, or INFRA_ROOT (the checker's own
// test points it at a temporary copy with planted mistakes).
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = process.env.INFRA_ROOT
  ? path.resolve(process.env.INFRA_ROOT)
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export const infra = (...parts) => path.join(repoRoot, "infrastructure", ...parts);
export const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"];
