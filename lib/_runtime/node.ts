// Node: `node:worker_threads`.
import { availableParallelism } from "node:os";
import process from "node:process";
import type { Runtime } from "./mod.ts";
import { parent, spawn } from "./_worker_threads.ts";
import { deserialize, serialize } from "./_v8.ts";
import { connect, listen } from "./_net.ts";

/** Builds the Node adapter; called only on Node. */
export function create(): Runtime {
  return {
    name: "node",
    parent: parent(),
    cpuCount: availableParallelism,
    spawn,
    serialize,
    deserialize,
    listen,
    connect,
    scriptCommand: (path) => [process.execPath, path],
  };
}
