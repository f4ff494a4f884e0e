// Lock, RLock, Semaphore and Value costs next to an inline 3-state futex
// mutex (the physical reference), uncontended on the main thread and
// contended by 1, 2 and 4 workers; prints each as a ratio of the reference.
//   deno run -A bench/sync_bench.ts
//   bun bench/sync_bench.ts
//   deno task build:npm && node npm/bench/sync_bench.js
import { barplot, bench, group, run } from "mitata";
import {
  BoundedSemaphore,
  Lock,
  Process,
  RLock,
  Semaphore,
  Value,
} from "../mod.ts";
import * as workers from "./_sync_workers.ts";
import { emitJson } from "./_json.ts";

const { DONE, GEN, KIND, KINDS, OPS, READY, STOP, WORKERS } = workers;
const MAX_WORKERS = 4;
// Large enough that waking the workers (tens of µs) is noise.
const OPS_PER_WORKER = 200_000;

const mutex = new Int32Array(new SharedArrayBuffer(4));
const counter = new Int32Array(new SharedArrayBuffer(4));
const lock = new Lock();
const rlock = new RLock();
const sem = new Semaphore(1);
const bounded = new BoundedSemaphore(1);
const value = new Value("i", 0);
const shared: workers.Shared = {
  mutex,
  counter,
  lock,
  rlock,
  sem,
  bounded,
  value,
};

const UNCONTENDED_OPS = 1_000;

barplot(() =>
  group(
    `uncontended: ${UNCONTENDED_OPS} × (acquire, increment, release) on the main thread`,
    () => {
      for (let kind = 0; kind < KINDS.length; kind++) {
        bench(KINDS[kind], () => {
          value.store(0); // `value.value += 1` must stay in range
          workers.batch(kind, UNCONTENDED_OPS, shared);
        });
      }
    },
  )
);

const control = new Int32Array(new SharedArrayBuffer(4 * 6));
const module = new URL(
  import.meta.url.endsWith(".ts") ? "./_sync_workers.ts" : "./_sync_workers.js",
  import.meta.url,
);
const processes = Array.from(
  { length: MAX_WORKERS },
  (_, index) =>
    new Process({
      target: workers.serve,
      args: [control, index, shared],
      module,
    }),
);
for (const p of processes) p.start();
// The main thread blocks during a batch: let every worker get going first
// (Bun delivers a worker's start message from the parent's event loop).
while (Atomics.load(control, READY) < MAX_WORKERS) {
  await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Has `count` workers each run a batch of `kind`; blocks until they finish. */
function contend(kind: number, count: number): void {
  Atomics.store(control, KIND, kind);
  Atomics.store(control, OPS, OPS_PER_WORKER);
  Atomics.store(control, WORKERS, count);
  Atomics.store(control, DONE, 0);
  value.store(0);
  Atomics.add(control, GEN, 1);
  Atomics.notify(control, GEN);
  for (let done = 0; done < count; done = Atomics.load(control, DONE)) {
    Atomics.wait(control, DONE, done, 1000);
  }
}

for (const count of [1, 2, 4]) {
  barplot(() =>
    group(`${count} worker(s) × ${OPS_PER_WORKER} increments`, () => {
      for (let kind = 0; kind < KINDS.length; kind++) {
        bench(KINDS[kind], () => contend(kind, count));
      }
    })
  );
}

const { benchmarks } = await run();

Atomics.store(control, KIND, STOP);
Atomics.add(control, GEN, 1);
Atomics.notify(control, GEN);
await Promise.all(processes.map((p) => p.join()));

// Ratios to the inline reference, group by group (benchmarks come in order).
console.log("\nratio to the inline futex mutex (1.00 = same speed):");
const json: Record<string, { referenceNsPerOp: number; ratio: object }> = {};
for (let i = 0; i < benchmarks.length; i += KINDS.length) {
  const avg = (j: number) => benchmarks[i + j].runs[0].stats!.avg;
  const ratios = KINDS.slice(1).map((_, j) => avg(j + 1) / avg(0));
  const row = KINDS.slice(1).map((name, j) =>
    `${name} ${ratios[j].toFixed(2)}`
  );
  const label = i === 0 ? "uncontended" : `${[1, 2, 4][i / KINDS.length - 1]}w`;
  const perOp = avg(0) / (i === 0 ? UNCONTENDED_OPS : OPS_PER_WORKER);
  console.log(
    `${label.padEnd(12)} reference ${perOp.toFixed(1)} ns/op | ${
      row.join(" | ")
    }`,
  );
  json[label] = {
    referenceNsPerOp: perOp,
    ratio: Object.fromEntries(KINDS.slice(1).map((k, j) => [k, ratios[j]])),
  };
}
emitJson({ contention: json });
