// Whether a module is the script the runtime was started with. Deno, Bun and
// Node ≥ 24.2 say so in `import.meta.main`; Node 20 and 22 leave it
// undefined, so there the module's URL is compared with the script path.
import process from "node:process";
import type * as Fs from "node:fs";
import type * as Url from "node:url";
import { builtin } from "./_builtin.ts";
import type { ModuleMeta } from "./types.ts";

/** Whether `meta` belongs to the script run directly (never in a worker). */
export function isMainModule(meta: ModuleMeta): boolean {
  if (typeof meta.main === "boolean") return meta.main;
  const script = process.argv[1];
  if (typeof script !== "string" || script === "") return false;
  try {
    const real = builtin<typeof Fs>("node:fs").realpathSync(script);
    return builtin<typeof Url>("node:url").pathToFileURL(real).href ===
      meta.url;
  } catch {
    return false;
  }
}
