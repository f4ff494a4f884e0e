// Bun: the web `Worker`, which starts fast, stops busy workers on
// `terminate()` (Bun's `node:worker_threads` does not) and reports a worker's
// exit code in a `close` event. Bun may drop a message that reaches a worker
// before its module has finished loading (top-level await), so a worker says
// when it listens and its parent holds messages until then.
import type { ParentPort, Runtime, WorkerEvents, WorkerHandle } from "./mod.ts";
import { deserialize, serialize } from "./_v8.ts";
import { connect, listen } from "./_net.ts";

interface BunWorker {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { preventDefault(): void }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(
    type: "close",
    listener: (event: { code: number }) => void,
  ): void;
  unref(): void;
  ref(): void;
}

interface BunGlobals {
  Worker: new (url: URL, options: { type: "module" }) => BunWorker;
  Bun: { isMainThread: boolean };
  navigator: { hardwareConcurrency: number };
  process: { execPath: string; exit(code: number): never };
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  addEventListener(
    type: "error" | "unhandledrejection",
    listener: (
      event: { error?: unknown; reason?: unknown; preventDefault(): void },
    ) => void,
  ): void;
}

const bun = globalThis as unknown as BunGlobals;

/** The first message of every worker: it now listens. */
const READY = "__seedMultiprocessingReady__";

function spawn(url: URL, events: WorkerEvents): WorkerHandle {
  const worker = new bun.Worker(url, { type: "module" });
  let gone = false;
  let held: unknown[] | null = [];
  worker.onmessage = (event) => {
    if (held === null) return events.message(event.data);
    for (const message of held) worker.postMessage(message);
    held = null;
  };
  // Bun repeats a worker's errors here even when the worker handled them;
  // the `close` event that follows a real failure is what counts.
  worker.onerror = (event) => event.preventDefault();
  worker.addEventListener("close", (event) => {
    if (gone) return;
    gone = true;
    events.exit(event.code);
  });
  return {
    postMessage(message) {
      if (held === null) worker.postMessage(message);
      else held.push(structuredClone(message));
    },
    terminate() {
      gone = true;
      worker.terminate();
      return Promise.resolve();
    },
    unref() {
      worker.unref();
    },
    ref() {
      worker.ref();
    },
  };
}

function parent(): ParentPort | null {
  if (bun.Bun.isMainThread) return null;
  return {
    postMessage(message) {
      bun.postMessage(message);
    },
    onMessage(listener) {
      bun.onmessage = (event) => listener(event.data);
      bun.postMessage(READY);
    },
    onUncaught(listener) {
      function fail(error: unknown): void {
        listener(error);
        bun.process.exit(1);
      }
      bun.addEventListener("error", (event) => {
        event.preventDefault();
        fail(event.error);
      });
      bun.addEventListener("unhandledrejection", (event) => {
        event.preventDefault();
        fail(event.reason);
      });
    },
    exit(code) {
      bun.process.exit(code);
    },
  };
}

/** The Bun adapter. */
export const runtime: Runtime = {
  name: "bun",
  parent: parent(),
  cpuCount: () => bun.navigator.hardwareConcurrency,
  spawn,
  listen,
  connect,
  scriptCommand: (path) => [bun.process.execPath, path],
  serialize,
  deserialize,
};
