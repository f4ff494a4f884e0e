// Node: `node:worker_threads`.
import process from "node:process";
import type { Runtime } from "./types.ts";
import { workerThreadsRuntime } from "./_worker_threads.ts";

/** Builds the Node adapter; called only on Node. */
export function create(): Runtime {
  return workerThreadsRuntime("node", (path) => [process.execPath, path]);
}
