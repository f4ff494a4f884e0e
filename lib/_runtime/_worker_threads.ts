// `node:worker_threads`, shared by Node and Deno. Deno's web `Worker` is
// faster to start, but it cannot be unref'd, and a script whose terminated
// worker is still busy never exits. Neither Deno API stops a thread busy in
// JavaScript (Deno 2.9.6 stops it only once that code returns to the event
// loop), so each worker publishes its OS thread id and `terminate()` waits
// until that thread is really gone.
import process from "node:process";
import type * as WorkerThreads from "node:worker_threads";
import { builtin } from "./_builtin.ts";
import type {
  Adapter,
  ParentPort,
  RuntimeName,
  WorkerEvents,
  WorkerHandle,
} from "./types.ts";
import { isMainModule } from "./_main.ts";
import { deserialize, serialize } from "./_v8.ts";
import { currentThreadId, GRACE_MS, threadGone } from "./_thread.ts";
import { settlesWithin } from "../_core/timeout.ts";

/** The `workerData` key of the cell where a worker writes its thread id. */
const TID = "multiprocessingThreadId";

// Loaded here, not by a static import, so that Bun never loads them.
const threads = () => builtin<typeof WorkerThreads>("node:worker_threads");

/** Starts a module worker on `node:worker_threads`. */
function spawn(url: URL, events: WorkerEvents): WorkerHandle {
  const tid = new Int32Array(new SharedArrayBuffer(4));
  const worker = new (threads().Worker)(url, { workerData: { [TID]: tid } });
  let ended = false;
  let stopped: Promise<void> | null = null;
  let markGone!: () => void;
  const gone = new Promise<void>((resolve) => markGone = resolve);
  function whenThreadGone(): Promise<void> {
    stopped ??= threadGone(Atomics.load(tid, 0));
    void stopped.then(markGone);
    return stopped;
  }
  worker.on("message", events.message);
  // An `error` event is always followed by `exit`; only `exit` is reported.
  worker.on("error", () => {});
  worker.on("exit", (code) => {
    if (ended) return;
    ended = true;
    void whenThreadGone();
    events.exit(code);
  });
  return {
    gone,
    postMessage(message) {
      worker.postMessage(message);
    },
    async terminate(graceMs = GRACE_MS) {
      ended = true;
      await worker.terminate();
      return await settlesWithin(whenThreadGone(), graceMs);
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
  const { isMainThread, parentPort: port, workerData } = threads();
  if (isMainThread || port === null) return null;
  const tid = (workerData as Record<string, unknown> | null)?.[TID];
  if (tid instanceof Int32Array) Atomics.store(tid, 0, currentThreadId());
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
    release() {
      port.unref();
    },
    onExit(listener) {
      process.on("exit", () => listener());
    },
  };
}

/** A runtime adapter on `node:worker_threads`, as Deno and Node build it. */
export function workerThreadsRuntime(
  name: RuntimeName,
  scriptCommand: (path: string) => string[],
): Adapter {
  const port = parent();
  return {
    name,
    parent: port,
    isMainModule: (meta) => port === null && isMainModule(meta),
    cpuCount: () =>
      builtin<typeof import("node:os")>("node:os").availableParallelism(),
    spawn,
    wakesFasterAsync: false,
    serialize,
    deserialize,
    scriptCommand,
  };
}
