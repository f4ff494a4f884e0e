// The floor for a pool's start-up: a worker that loads nothing, and on a
// message `{ url, name, args }` imports that module and posts what its export
// `name` returns for `args`; on "exit" it exits. Like `_bare_worker.mjs`, it
// loads node:worker_threads only where the worker has no web global (Node).
const web = typeof globalThis.postMessage === "function";
const port = web
  ? globalThis
  : (await import("node:worker_threads")).parentPort;
const receive = (data) => {
  if (data === "exit") return process.exit(0);
  void import(data.url).then((module) =>
    port.postMessage(module[data.name](...data.args))
  );
};
if (web) globalThis.onmessage = (event) => receive(event.data);
else port.on("message", receive);
