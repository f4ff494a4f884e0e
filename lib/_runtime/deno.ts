// Deno: `node:worker_threads` (see `_worker_threads.ts` for why not the web
// `Worker`), and `deno run -A` for scripts.
import { availableParallelism } from "node:os";
import process from "node:process";
import type { Runtime } from "./mod.ts";
import { parent, spawn } from "./_worker_threads.ts";
import { deserialize, serialize } from "./_v8.ts";
import { connect, listen } from "./_net.ts";

/** Builds the Deno adapter; called only on Deno. */
export function create(): Runtime {
  return {
    name: "deno",
    parent: parent(),
    cpuCount: availableParallelism,
    spawn,
    serialize,
    deserialize,
    listen,
    connect,
    scriptCommand: (path) => [process.execPath, "run", "-A", path],
  };
}
