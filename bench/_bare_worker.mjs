// The floor for worker start-up: a worker that loads nothing and says hello.
// Works as a web Worker (Bun) and under node:worker_threads (Deno, Node).
const port =
  typeof self !== "undefined" && typeof self.postMessage === "function" &&
    typeof WorkerGlobalScope !== "undefined"
    ? self
    : (await import("node:worker_threads")).parentPort;
port.postMessage("hello");
