// A bare worker that doubles each number it is sent: the postMessage floor.
const port =
  typeof self !== "undefined" && typeof self.postMessage === "function" &&
    typeof WorkerGlobalScope !== "undefined"
    ? self
    : (await import("node:worker_threads")).parentPort;
const reply = (x) => port.postMessage(x * 2);
if (typeof self !== "undefined" && port === self) {
  self.onmessage = (event) => reply(event.data);
} else port.on("message", reply);
