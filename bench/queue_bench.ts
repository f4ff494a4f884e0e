// Small-object throughput of a shared Queue, 1→1 and 2→2 workers, next to
// a postMessage channel (BroadcastChannel, one per producer/consumer pair)
// between the same workers; prints the Queue's time as a ratio of it.
// Deno's BroadcastChannel loses messages under load (see _queue_workers.ts),
// so on Deno only the Queue runs.
//   deno run -A bench/queue_bench.ts
//   bun bench/queue_bench.ts
//   deno task build:npm && node npm/bench/queue_bench.js
import { bench, group, run } from "mitata";
import { Process, Queue } from "../mod.ts";
import { runtime } from "../lib/_runtime/mod.ts";
import * as workers from "./_queue_workers.ts";
import { emitJson } from "./_json.ts";

const { CHANNEL, DONE, GEN, ITEMS, MODE, PAIRS, QUEUE, STOP } = workers;
const ITEMS_PER_PRODUCER = 5_000;
const WITH_CHANNEL = runtime.name !== "deno";

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
      if (WITH_CHANNEL) {
        bench("postMessage (BroadcastChannel)", () => round(CHANNEL, pairs));
      }
    },
  );
}

const { benchmarks } = await run();

Atomics.store(control, MODE, STOP);
Atomics.add(control, GEN, 1);
Atomics.notify(control, GEN);
await Promise.all(processes.map((p) => p.join()));

const perRound = WITH_CHANNEL ? 2 : 1;
const usPerItem: Record<string, { queue: number; postMessage?: number }> = {};
for (let pairs = 1; pairs <= 2; pairs++) {
  const [ours, reference] = benchmarks.slice(
    (pairs - 1) * perRound,
    pairs * perRound,
  );
  const avg = (b: typeof ours): number => b.runs[0].stats!.avg;
  const us = (b: typeof ours) => avg(b) / ITEMS_PER_PRODUCER / pairs / 1_000;
  const perItem = (b: typeof ours) => `${us(b).toFixed(2)} µs/item`;
  usPerItem[NAMES[pairs - 1]] = {
    queue: us(ours),
    postMessage: reference && us(reference),
  };
  console.log(
    `${NAMES[pairs - 1]}: Queue ${perItem(ours)}` +
      (reference === undefined
        ? ""
        : `, postMessage ${perItem(reference)}, Queue takes ${
          (avg(ours) / avg(reference)).toFixed(2)
        }× the time`),
  );
}
emitJson({ usPerItem });
