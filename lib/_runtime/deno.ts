// Deno: `node:worker_threads` (see `_worker_threads.ts` for why not the web
// `Worker`), and `deno run -A` for scripts.
import process from "node:process";
import type { Adapter } from "./types.ts";
import { workerThreadsRuntime } from "./_worker_threads.ts";

/** Builds the Deno adapter; called only on Deno. */
export function create(): Adapter {
  return workerThreadsRuntime(
    "deno",
    (path) => [process.execPath, "run", "-A", path],
  );
}
