// Lock, RLock, Semaphore and Value costs next to an inline 3-state futex
// mutex (the physical reference), uncontended on the main thread and
// contended by 1, 2 and 4 workers; prints each as a ratio of the reference,
// and 2 workers' Value-under-getLock() increments next to Python's
// (bench/python_sync.py, run last).
//   deno run -A bench/sync_bench.ts
//   bun bench/sync_bench.ts
//   deno task build:npm && node npm/bench/sync_bench.js
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
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
import { runtime } from "../lib/_runtime/mod.ts";

const { DONE, GEN, KIND, KINDS, OPS, READY, STOP, WORKERS } = workers;
const MAX_WORKERS = 4;
// Large enough that waking the workers (tens of µs) is noise; more where
// locks are fast (Bun), so that a round lasts MIN_ROUND_MS at least and a
// scheduler hiccup on a busy machine does not decide it.
const OPS_PER_WORKER = 200_000;
const MIN_ROUND_MS = 20;
const MAX_OPS_PER_WORKER = 5_000_000;

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
/** Python's increments per process (it is ~20× slower than ours). */
const PYTHON_OPS = 100_000;

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

/** Has `count` workers each run `ops` of `kind`; blocks until they finish. */
function contend(kind: number, count: number, ops: number): void {
  Atomics.store(control, KIND, kind);
  Atomics.store(control, OPS, ops);
  Atomics.store(control, WORKERS, count);
  Atomics.store(control, DONE, 0);
  value.store(0);
  Atomics.add(control, GEN, 1);
  Atomics.notify(control, GEN);
  for (let done = 0; done < count; done = Atomics.load(control, DONE)) {
    Atomics.wait(control, DONE, done, 1000);
  }
}

const { benchmarks } = await run();

// Contended batches: every kind once per round, the order rotating, so that
// load from elsewhere on the machine hits all kinds alike; medians per kind.
const ROUNDS = 9;
/** Increments per worker and round, by worker count. */
const opsPerWorker: Record<string, number> = {};
/** Median ns per increment of each kind, with `count` workers. */
function contended(count: number): number[] {
  const times: number[][] = KINDS.map(() => []);
  for (let kind = 0; kind < KINDS.length; kind++) {
    contend(kind, count, OPS_PER_WORKER); // JIT
  }
  const start = performance.now();
  contend(0, count, OPS_PER_WORKER);
  const ms = performance.now() - start;
  const ops = opsPerWorker[`${count}w`] = Math.min(
    MAX_OPS_PER_WORKER,
    Math.max(OPS_PER_WORKER, Math.round(OPS_PER_WORKER * MIN_ROUND_MS / ms)),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = (k + round) % KINDS.length;
      const start = performance.now();
      contend(kind, count, ops);
      times[kind].push((performance.now() - start) * 1e6 / ops);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[t.length >> 1]);
}
const perOp: Record<string, number[]> = {
  uncontended: KINDS.map((_, j) =>
    benchmarks[j].runs[0].stats!.p50 / UNCONTENDED_OPS
  ),
};
for (const count of [1, 2, 4]) {
  perOp[`${count}w`] = contended(count);
}

Atomics.store(control, KIND, STOP);
Atomics.add(control, GEN, 1);
Atomics.notify(control, GEN);
await Promise.all(processes.map((p) => p.join()));

// Python last, so that it does not share the CPU with the runs above.
let python = NaN;
try {
  const out = execFileSync(
    "python3",
    [
      fileURLToPath(new URL("./python_sync.py", import.meta.url)),
      `${PYTHON_OPS}`,
    ],
    { encoding: "utf8" },
  );
  console.log(`\n${out.trim()}`);
  python = Number(/([\d.]+) M ops\/s/.exec(out)?.[1]) * 1e6;
} catch {
  console.log("\npython3 not available: no Python comparison");
}

console.log(
  `\n${runtime.name}: ratio to the inline futex mutex (1.00 = same speed), medians of ${ROUNDS} rounds:`,
);
const json: Record<string, { referenceNsPerOp: number; ratio: object }> = {};
for (const [label, ns] of Object.entries(perOp)) {
  const ratios = KINDS.slice(1).map((_, j) => ns[j + 1] / ns[0]);
  const row = KINDS.slice(1).map((name, j) =>
    `${name} ${ratios[j].toFixed(2)}`
  );
  console.log(
    `${label.padEnd(12)} reference ${ns[0].toFixed(1)} ns/op | ${
      row.join(" | ")
    }`,
  );
  json[label] = {
    referenceNsPerOp: ns[0],
    ratio: Object.fromEntries(KINDS.slice(1).map((k, j) => [k, ratios[j]])),
  };
}
// Workers contend on one counter, so ops/s is all workers' increments.
const guardedOps = 2e9 / perOp["2w"][KINDS.indexOf("Value under getLock()")];
console.log(
  `2 workers, Value under getLock(): ${(guardedOps / 1e6).toFixed(2)}M ops/s, ${
    (guardedOps / python).toFixed(1)
  }× Python's ${(python / 1e6).toFixed(2)}M`,
);
console.log(`increments per worker and round: ${JSON.stringify(opsPerWorker)}`);
emitJson({
  contention: json,
  python: { guardedOpsPerSecond: python },
  opsPerWorker,
});
