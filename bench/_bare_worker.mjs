// The floor for worker start-up: a worker that loads nothing and says hello.
// It posts through the worker's web global where there is one (Bun; Deno's
// node:worker_threads workers have it too) and loads node:worker_threads
// only where there is not (Node): loading it costs a Bun worker ~8 ms.
const port = typeof globalThis.postMessage === "function"
  ? globalThis
  : (await import("node:worker_threads")).parentPort;
port.postMessage("hello");
