// `node:worker_threads`, shared by Node and Deno. Deno's web `Worker` is
// faster to start, but its `terminate()` does not stop a worker that is busy
// in a loop (the thread spins on and the process never exits), and it cannot
// be unref'd; Deno's `node:worker_threads` does both right.
import process from "node:process";
import type * as WorkerThreads from "node:worker_threads";
import { builtin } from "./_builtin.ts";
import type {
  ParentPort,
  Runtime,
  RuntimeName,
  WorkerEvents,
  WorkerHandle,
} from "./types.ts";
import { connect, listen } from "./_net.ts";
import { deserialize, serialize } from "./_v8.ts";

// Loaded here, not by a static import, so that Bun never loads them.
const threads = () => builtin<typeof WorkerThreads>("node:worker_threads");

/** Starts a module worker on `node:worker_threads`. */
function spawn(url: URL, events: WorkerEvents): WorkerHandle {
  const worker = new (threads().Worker)(url);
  let gone = false;
  worker.on("message", events.message);
  // An `error` event is always followed by `exit`; only `exit` is reported.
  worker.on("error", () => {});
  worker.on("exit", (code) => {
    if (gone) return;
    gone = true;
    events.exit(code);
  });
  return {
    postMessage(message) {
      worker.postMessage(message);
    },
    async terminate() {
      gone = true;
      await worker.terminate();
    },
    unref() {
      worker.unref();
    },
    ref() {
      worker.ref();
    },
  };
}

/** The channel to the parent, or `null` on the main thread. */
function parent(): ParentPort | null {
  const { isMainThread, parentPort: port } = threads();
  if (isMainThread || port === null) return null;
  return {
    postMessage(message) {
      port.postMessage(message);
    },
    onMessage(listener) {
      port.on("message", listener);
    },
    onUncaught(listener) {
      function fail(error: unknown): void {
        listener(error);
        process.exit(1);
      }
      process.on("uncaughtException", fail);
      process.on("unhandledRejection", fail);
    },
    exit(code) {
      process.exit(code);
    },
  };
}

/** A runtime adapter on `node:worker_threads`, as Deno and Node build it. */
export function workerThreadsRuntime(
  name: RuntimeName,
  scriptCommand: (path: string) => string[],
): Runtime {
  return {
    name,
    parent: parent(),
    cpuCount: () =>
      builtin<typeof import("node:os")>("node:os").availableParallelism(),
    spawn,
    serialize,
    deserialize,
    listen,
    connect,
    scriptCommand,
  };
}
