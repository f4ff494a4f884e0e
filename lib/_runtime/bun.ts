// Bun: the web `Worker`, which starts fast, stops busy workers on
// `terminate()` (Bun's `node:worker_threads` does not) and reports a worker's
// exit code in a `close` event. Bun drops a message that reaches a worker
// while its module graph is still in a top-level await, which is why no module
// a worker loads at start-up may use one (see `mod.ts`).
import type {
  ParentPort,
  Runtime,
  WorkerEvents,
  WorkerHandle,
} from "./types.ts";
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
  process: {
    execPath: string;
    exit(code: number): never;
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
  let gone = false;
  worker.onmessage = (event) => events.message(event.data);
  // Bun repeats a worker's errors here even when the worker handled them;
  // the `close` event that follows a real failure is what counts.
  worker.onerror = (event) => event.preventDefault();
  let closed: () => void;
  const whenClosed = new Promise<void>((resolve) => closed = resolve);
  worker.addEventListener("close", (event) => {
    closed();
    if (gone) return;
    gone = true;
    events.exit(event.code);
  });
  return {
    postMessage(message) {
      worker.postMessage(message);
    },
    terminate() {
      gone = true;
      worker.terminate();
      // Resolve once the thread is gone: terminating the next worker before
      // that leaks event-loop fds in Bun 1.4 (epoll + eventfd per worker).
      // A `close` that never comes must not hang the caller, though.
      let timer: { unref?(): void } | undefined;
      return Promise.race([
        whenClosed,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2000) as { unref?(): void };
          timer.unref?.();
        }),
      ]);
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
    },
    exit(code) {
      bun.process.exit(code);
    },
    onExit(listener) {
      bun.process.on("exit", listener);
    },
  };
}

/** Builds the Bun adapter; called only on Bun. */
export function create(): Runtime {
  return {
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
}
