// The reference side of queue_bench.ts: a bare worker (no library loaded)
// that moves the same small objects over a MessagePort, the other end of
// which its partner worker holds (a MessageChannel whose ports the bench
// transferred). A producer keeps at most `window` messages in flight (the
// backpressure a Queue has by design); its consumer publishes how many it
// received in the pair's ACK word. Rounds follow the control words that
// _queue_workers.ts defines; the bench sends their layout.
// Works as a web Worker (Deno, Bun) and under node:worker_threads (Node).
const parent =
  typeof self !== "undefined" && typeof self.postMessage === "function" &&
    typeof WorkerGlobalScope !== "undefined"
    ? self
    : (await import("node:worker_threads")).parentPort;

/** The small object every round moves (as `item()` in _queue_workers.ts). */
const item = (i) => ({ id: i, name: "item", tags: [i, 2] });

async function serve({ control, pair, producer, port, words }) {
  const { GEN, DONE, MODE, ITEMS, PAIRS, ACK, CHANNEL, STOP } = words;
  const { WINDOW, ACK_EVERY } = words;
  let received = 0;
  let target = 0;
  let wake = null;
  let sent = 0;
  port.onmessage = () => {
    received++;
    if (received % ACK_EVERY === 0 || received === target) {
      Atomics.store(control, ACK + pair, received);
      Atomics.notify(control, ACK + pair);
    }
    if (received === target) wake?.();
  };
  port.start?.();
  parent.postMessage("ready");
  let gen = 0;
  while (true) {
    const wait = Atomics.waitAsync(control, GEN, gen);
    if (wait.async) await wait.value;
    gen = Atomics.load(control, GEN);
    const mode = Atomics.load(control, MODE);
    if (mode === STOP) break;
    if (mode !== CHANNEL || pair >= Atomics.load(control, PAIRS)) continue;
    const n = Atomics.load(control, ITEMS);
    if (producer) {
      for (let i = 0; i < n; i++) {
        port.postMessage(item(i));
        sent++;
        let acked;
        while (sent - (acked = Atomics.load(control, ACK + pair)) > WINDOW) {
          const wait = Atomics.waitAsync(control, ACK + pair, acked);
          if (wait.async) await wait.value;
        }
      }
    } else {
      target += n;
      if (received < target) await new Promise((resolve) => wake = resolve);
    }
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
  port.close();
  parent.postMessage("stopped");
}

const start = (data) => void serve(data);
if (typeof self !== "undefined" && parent === self) {
  self.onmessage = (event) => start(event.data);
} else parent.once("message", start);
