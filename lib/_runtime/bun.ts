// Bun: the web `Worker`, which starts fast, stops busy workers on
// `terminate()` and reports a worker's exit code in a `close` event. Its
// `terminate()` returns before the thread has stopped; the `close` event
// that follows is when it is gone. Bun drops a message that reaches a worker
// while its module graph is still in a top-level await, which is why no module
// a worker loads at start-up may use one (see `mod.ts`).
import type {
  Adapter,
  ParentPort,
  WorkerEvents,
  WorkerHandle,
} from "./types.ts";
import { deserialize, serialize } from "./_v8.ts";
import { isMainModule } from "./_main.ts";
import { GRACE_MS } from "./_thread.ts";
import { settlesWithin } from "../_core/timeout.ts";

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
  process: {
    execPath: string;
    exit(code: number): never;
    on(
      event: "uncaughtException" | "unhandledRejection",
      listener: (error: unknown) => void,
    ): void;
    on(event: "exit", listener: () => void): void;
  };
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

function spawn(url: URL, events: WorkerEvents): WorkerHandle {
  const worker = new bun.Worker(url, { type: "module" });
  let ended = false;
  let markGone!: () => void;
  const gone = new Promise<void>((resolve) => markGone = resolve);
  worker.onmessage = (event) => events.message(event.data);
  // Bun repeats a worker's errors here even when the worker handled them;
  // the `close` event that follows a real failure is what counts.
  worker.onerror = (event) => event.preventDefault();
  worker.addEventListener("close", (event) => {
    markGone();
    if (ended) return;
    ended = true;
    events.exit(event.code);
  });
  return {
    gone,
    postMessage(message) {
      worker.postMessage(message);
    },
    terminate(graceMs = GRACE_MS) {
      ended = true;
      worker.terminate();
      return settlesWithin(gone, graceMs);
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
      // Bun 1.4 does not dispatch `unhandledrejection` in a worker whose
      // `onmessage` is unset; its `process` hook fires either way.
      bun.process.on("unhandledRejection", fail);
    },
    exit(code) {
      bun.process.exit(code);
    },
    release() {
      bun.onmessage = null;
    },
    onExit(listener) {
      bun.process.on("exit", listener);
    },
  };
}

/** Builds the Bun adapter; called only on Bun. */
export function create(): Adapter {
  const port = parent();
  return {
    name: "bun",
    parent: port,
    isMainModule: (meta) => port === null && isMainModule(meta),
    cpuCount: () => bun.navigator.hardwareConcurrency,
    spawn,
    wakesFasterAsync: true,
    scriptCommand: (path) => [bun.process.execPath, path],
    serialize,
    deserialize,
  };
}
