// Locates the standard library folder (`std/`) shipped with the package, whether flowc runs from
// its TypeScript sources (tests) or from the compiled `dist/` (the CLI).

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function stdRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "std", "prelude.flow"))) return (cached = join(dir, "std"));
    dir = dirname(dir);
  }
  throw new Error("flowc installation is broken: std/prelude.flow not found");
}
