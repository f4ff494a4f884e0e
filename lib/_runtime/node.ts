// Node: `node:worker_threads`.
import process from "node:process";
import type { Adapter } from "./types.ts";
import { workerThreadsRuntime } from "./_worker_threads.ts";

/** Builds the Node adapter; called only on Node. */
export function create(): Adapter {
  return workerThreadsRuntime("node", (path) => [process.execPath, path]);
}
