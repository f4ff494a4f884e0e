// Whether a module is the script the runtime was started with. Deno, Bun and
// Node ≥ 24.2 say so in `import.meta.main`; Node 20 and 22 leave it
// undefined, so there the module's URL is compared with the script path.
import process from "node:process";
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { ModuleMeta } from "./types.ts";

/** Whether `meta` belongs to the script run directly (never in a worker). */
export function isMainModule(meta: ModuleMeta): boolean {
  if (typeof meta.main === "boolean") return meta.main;
  const script = process.argv[1];
  if (typeof script !== "string" || script === "") return false;
  try {
    return pathToFileURL(realpathSync(script)).href === meta.url;
  } catch {
    return false;
  }
}
