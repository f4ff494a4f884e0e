// Small-object throughput of a shared Queue, 1→1 and 2→2 workers, next to
// the same objects over a MessagePort between two bare workers per pair
// (a MessageChannel whose ports the bench transfers to them); prints the
// Queue's time as a ratio of it.
//   deno run -A bench/queue_bench.ts
//   bun bench/queue_bench.ts
//   deno task build:npm && node npm/bench/queue_bench.js
import { bench, group, run } from "mitata";
import { Process, Queue } from "../mod.ts";
import * as workers from "./_queue_workers.ts";
import { emitJson } from "./_json.ts";

const { CHANNEL, DONE, GEN, ITEMS, MODE, PAIRS, QUEUE, STOP } = workers;
const ITEMS_PER_PRODUCER = 5_000;
const PORT_WORKER = new URL("./_port_worker.mjs", import.meta.url);

const control = new Int32Array(
  new SharedArrayBuffer(4 * workers.CONTROL_LENGTH),
);
const queue = new Queue();
const module = new URL(
  import.meta.url.endsWith(".ts")
    ? "./_queue_workers.ts"
    : "./_queue_workers.js",
  import.meta.url,
);
const processes = Array.from(
  { length: workers.WORKER_COUNT },
  (_, index) =>
    new Process({
      target: workers.serve,
      args: [control, index, queue],
      module,
    }),
);
for (const p of processes) p.start();
for (let ready; (ready = Atomics.load(control, workers.READY)) < 4;) {
  const wait = Atomics.waitAsync(control, workers.READY, ready);
  if (wait.async) await wait.value;
}

/** A bare worker the bench can transfer a port to, and stop. */
interface BareWorker {
  postMessage(message: unknown, transfer: unknown[]): void;
  terminate(): unknown;
}

/** The web Worker constructor, where the runtime has one (Deno, Bun). */
const WebWorker = (globalThis as {
  Worker?: new (url: URL, options: { type: "module" }) => BareWorker & {
    onmessage: ((event: unknown) => void) | null;
  };
}).Worker;

/**
 * Starts a bare worker (a web Worker where there is one, else
 * node:worker_threads) and hands it `init`, whose `port` it transfers;
 * resolves once the worker says it is ready.
 */
async function bareWorker(
  init: { port: unknown; [key: string]: unknown },
): Promise<BareWorker> {
  if (WebWorker !== undefined) {
    const worker = new WebWorker(PORT_WORKER, { type: "module" });
    const ready = new Promise((resolve) => worker.onmessage = resolve);
    worker.postMessage(init, [init.port]);
    await ready;
    return worker;
  }
  const threads = await import("node:worker_threads");
  const worker = new threads.Worker(PORT_WORKER);
  const ready = new Promise((resolve) => worker.once("message", resolve));
  worker.postMessage(init, [init.port as never]);
  await ready;
  return worker as unknown as BareWorker;
}

const words = {
  GEN,
  DONE,
  MODE,
  ITEMS,
  PAIRS,
  ACK: workers.ACK,
  CHANNEL,
  STOP,
  WINDOW: workers.WINDOW,
  ACK_EVERY: workers.ACK_EVERY,
};
const bare: BareWorker[] = [];
for (let pair = 0; pair < 2; pair++) {
  const { port1, port2 } = new MessageChannel();
  for (const [producer, port] of [[true, port1], [false, port2]] as const) {
    bare.push(await bareWorker({ control, pair, producer, port, words }));
  }
}

/** Runs one round of `mode` with `pairs` producer/consumer pairs. */
async function round(mode: number, pairs: number): Promise<void> {
  Atomics.store(control, MODE, mode);
  Atomics.store(control, ITEMS, ITEMS_PER_PRODUCER);
  Atomics.store(control, PAIRS, pairs);
  Atomics.store(control, DONE, 0);
  Atomics.add(control, GEN, 1);
  Atomics.notify(control, GEN);
  for (let done = 0; done < 2 * pairs; done = Atomics.load(control, DONE)) {
    const wait = Atomics.waitAsync(control, DONE, done, 1000);
    if (wait.async) await wait.value;
  }
}

const NAMES = ["1→1", "2→2"];
for (const pairs of [1, 2]) {
  group(
    `${NAMES[pairs - 1]} workers × ${ITEMS_PER_PRODUCER} small objects each`,
    () => {
      bench("Queue", () => round(QUEUE, pairs));
      bench("postMessage (MessagePort)", () => round(CHANNEL, pairs));
    },
  );
}

const { benchmarks } = await run();

Atomics.store(control, MODE, STOP);
Atomics.add(control, GEN, 1);
Atomics.notify(control, GEN);
await Promise.all(processes.map((p) => p.join()));
await Promise.all(bare.map((worker) => worker.terminate()));

const usPerItem: Record<string, { queue: number; postMessage: number }> = {};
for (let pairs = 1; pairs <= 2; pairs++) {
  const [ours, reference] = benchmarks.slice(2 * (pairs - 1), 2 * pairs);
  const avg = (b: typeof ours): number => b.runs[0].stats!.avg;
  const us = (b: typeof ours) => avg(b) / ITEMS_PER_PRODUCER / pairs / 1_000;
  const perItem = (b: typeof ours) => `${us(b).toFixed(2)} µs/item`;
  usPerItem[NAMES[pairs - 1]] = { queue: us(ours), postMessage: us(reference) };
  console.log(
    `${NAMES[pairs - 1]}: Queue ${perItem(ours)}, postMessage ${
      perItem(reference)
    }, Queue takes ${(avg(ours) / avg(reference)).toFixed(2)}× the time`,
  );
}
emitJson({ usPerItem });
