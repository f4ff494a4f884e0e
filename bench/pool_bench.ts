// Pool benchmarks: CPU-bound speedup by pool size, dispatch of 100,000 tiny
// tasks (chunksize 1, applyAsync in a loop, default chunksize), one awaited
// apply at a time (also beside a busy worker), and pool start + one task +
// terminate — each beside piscina and tinypool on the same runtime in the
// same run.
// Run: npx deno run -A bench/pool_bench.ts · node_modules/.bin/bun bench/pool_bench.ts
// Node: deno task build:npm && node_modules/.bin/tsc -p scripts/tsconfig.bench.json
//       && cp bench/_peer_worker.mjs bench/_echo_worker.mjs npm/bench/ && node npm/bench/pool_bench.js
import process from "node:process";
import { barplot, bench, measure, run } from "mitata";
import { Piscina } from "piscina";
import { Tinypool } from "tinypool";
import { cpuCount, Pool } from "../mod.ts";
import { runtime } from "../lib/_runtime/mod.ts";
import { emitJson } from "./_json.ts";

const PEER_WORKER = new URL("./_peer_worker.mjs", import.meta.url).href;
const ECHO_WORKER = new URL("./_echo_worker.mjs", import.meta.url);
const TINY = 100_000;
const items = Array.from({ length: TINY }, (_, i) => i);
const double = (x: number) => x * 2;
/** About 10 ms of arithmetic. */
const cpuTask = (n: number) => {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.sqrt(i) % 7;
  return sum;
};
const CPU_N = 4_000_000;
const CPU_TASKS = 16;
const WORKERS = cpuCount();

interface Row {
  name: string;
  ms: number;
  perSecond?: number;
}
const rows: Row[] = [];

/**
 * Median ms of `fn` over a few samples (these workloads take 10 ms–20 s;
 * a warm-up run and two samples of the slowest keep `deno task bench`
 * under 10 minutes).
 */
async function time(
  name: string,
  fn: () => Promise<unknown>,
  units = 0,
): Promise<number> {
  const stats = await measure(fn, {
    min_samples: 2,
    max_samples: 30,
    min_cpu_time: 2e9,
  });
  const ms = stats.p50 / 1e6;
  rows.push({
    name,
    ms,
    perSecond: units > 0 ? Math.round(units / (ms / 1000)) : undefined,
  });
  console.error(`${name}: ${ms.toFixed(2)} ms`);
  return ms;
}

/** Peers that cannot run here are skipped rather than hung on. */
async function peerOrNull(
  name: string,
  start: () => PeerPool,
): Promise<PeerPool | null> {
  try {
    const pool = start();
    const ok = await Promise.race([
      pool.run(1).then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 5000)),
    ]);
    if (ok) return pool;
    console.error(
      `${name} did not answer within 5 s on ${runtime.name}: skipped`,
    );
  } catch (error) {
    console.error(`${name} failed on ${runtime.name}: ${error}`);
  }
  return null;
}

// --- CPU-bound speedup by pool size (charted)
const SIZES = [1, 2, 4, 8];
barplot(() => {
  bench(
    `cpu: ${CPU_TASKS} × 10 ms tasks, Pool($size)`,
    async function* (state: { get(name: "size"): number }) {
      const size = state.get("size");
      const pool = new Pool(size);
      await pool.map(cpuTask, Array(size * 2).fill(1), { chunksize: 1 });
      yield () =>
        pool.map(cpuTask, Array(CPU_TASKS).fill(CPU_N), { chunksize: 1 });
      await pool.terminate();
    },
  ).args("size", SIZES);
});
const cpuMs: Record<number, number> = {};
for (const [i, { name, stats }] of (await run()).benchmarks[0].runs.entries()) {
  cpuMs[SIZES[i]] = stats!.p50 / 1e6;
  rows.push({ name, ms: cpuMs[SIZES[i]] });
}

// --- dispatch of tiny tasks
const pool = new Pool(WORKERS);
await pool.map(double, items);
const ours = await time(
  `tiny: map chunksize 1 (Pool)`,
  () => pool.map(double, items, { chunksize: 1 }),
  TINY,
);
const oursApply = await time(
  `tiny: applyAsync in a loop (Pool)`,
  () => Promise.all(items.map((x) => pool.applyAsync(double, [x]))),
  TINY,
);
const oursDefault = await time(
  `tiny: map default chunksize (Pool)`,
  () => pool.map(double, items),
  TINY,
);
const SEQUENTIAL = 2000;
const oursSequential = await time(
  `one await apply at a time ×${SEQUENTIAL} (Pool)`,
  async () => {
    for (let i = 0; i < SEQUENTIAL; i++) await pool.apply(double, [i]);
  },
  SEQUENTIAL,
);
await pool.terminate();

// --- the floor a message per task pays: a bare worker that echoes
let echoed!: (value: unknown) => void;
const echo = runtime.spawn(ECHO_WORKER, {
  message: (value) => echoed(value),
  exit() {},
});
const roundTrip = (x: number) =>
  new Promise((resolve) => {
    echoed = resolve;
    echo.postMessage(x);
  });
await roundTrip(1);
const bareSequential = await time(
  `one await postMessage round trip at a time ×${SEQUENTIAL} (bare worker)`,
  async () => {
    for (let i = 0; i < SEQUENTIAL; i++) await roundTrip(i);
  },
  SEQUENTIAL,
);
await echo.terminate();

// --- a task submitted while another worker is busy with a long task
const busyPool = new Pool(2);
const flag = new Int32Array(new SharedArrayBuffer(4));
const spinning = busyPool.apply((cells: Int32Array) => {
  while (Atomics.load(cells, 0) === 0) { /* busy until released */ }
}, [flag]);
await busyPool.apply(double, [0]);
const BESIDE = 200;
const oursBeside = await time(
  `one await apply at a time ×${BESIDE} beside a busy worker (Pool)`,
  async () => {
    for (let i = 0; i < BESIDE; i++) await busyPool.apply(double, [i]);
  },
  BESIDE,
);
Atomics.store(flag, 0, 1);
await spinning;
await busyPool.terminate();

/** What piscina and tinypool have in common. */
interface PeerPool {
  run(task: unknown): Promise<unknown>;
  destroy(): Promise<void>;
}
type PeerClass = new (
  options: { filename: string; minThreads: number; maxThreads: number },
) => PeerPool;

/** How long one peer workload may take before it counts as hung. */
const PEER_LIMIT_MS = 60_000;
/** Peers that hung (tinypool on Deno 2.9.6 sometimes never answers). */
const hung: string[] = [];

/** `time()`, or NaN if `fn` has not settled within PEER_LIMIT_MS. */
async function peerTime(
  name: string,
  label: string,
  fn: () => Promise<unknown>,
  units = 0,
): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(NaN), PEER_LIMIT_MS);
  });
  const ms = await Promise.race([time(label, fn, units), limit]);
  clearTimeout(timer);
  if (Number.isNaN(ms)) {
    hung.push(name);
    console.error(
      `${name} hung on ${runtime.name}: "${label}" did not finish within ${
        PEER_LIMIT_MS / 1000
      } s; its remaining rows are skipped`,
    );
  }
  return ms;
}

/** Each peer's tiny-task, sequential and start timings (NaN when skipped). */
async function peerTimings(name: string, Peer: PeerClass) {
  const start = (threads: number) =>
    new Peer({
      filename: PEER_WORKER,
      minThreads: threads,
      maxThreads: threads,
    });
  const timings = { tiny: NaN, sequential: NaN, start: NaN };
  const peer = await peerOrNull(name, () => start(WORKERS));
  if (peer === null) return timings;
  timings.tiny = await peerTime(
    name,
    `tiny: run() per task (${name})`,
    () => Promise.all(items.map((x) => peer.run(x))),
    TINY,
  );
  if (hung.includes(name)) return timings;
  timings.sequential = await peerTime(
    name,
    `one await run at a time ×${SEQUENTIAL} (${name})`,
    async () => {
      for (let i = 0; i < SEQUENTIAL; i++) await peer.run(i);
    },
    SEQUENTIAL,
  );
  if (hung.includes(name)) return timings;
  await peer.destroy();
  timings.start = await peerTime(
    name,
    `start ${name}(2) + 1 task + destroy`,
    async () => {
      const p = start(2);
      await p.run(1);
      await p.destroy();
    },
  );
  return timings;
}

const startOurs = await time("start Pool(2) + 1 task + terminate", async () => {
  const p = new Pool(2);
  await p.apply(double, [1]);
  await p.terminate();
});
const piscina = await peerTimings("piscina", Piscina as PeerClass);
const tinypool = await peerTimings("tinypool", Tinypool as PeerClass);

const ratio = (a: number, b: number) => (a / b).toFixed(2);
console.log(`\n${runtime.name}, ${WORKERS} workers (${cpuCount()} CPUs)`);
for (const { name, ms, perSecond } of rows) {
  const rate = perSecond === undefined
    ? ""
    : `  ${perSecond.toLocaleString("en")}/s`;
  console.log(`${name.padEnd(48)} ${ms.toFixed(2).padStart(9)} ms${rate}`);
}
console.log(`
speedup Pool(2) vs Pool(1), CPU-bound:          ${
  ratio(cpuMs[1], cpuMs[2])
}× (goal ≥ 1.85)
tiny chunksize 1 vs piscina (throughput):       ${
  ratio(piscina.tiny, ours)
}× (goal ≥ 2)
tiny applyAsync loop vs piscina:                ${
  ratio(piscina.tiny, oursApply)
}×
tiny chunksize 1 vs tinypool:                   ${ratio(tinypool.tiny, ours)}×
default-chunksize map items/s:                  ${
  Math.round(TINY / (oursDefault / 1000)).toLocaleString("en")
} (goal ≥ 1,000,000)
sequential await apply vs piscina:              ${
  ratio(piscina.sequential, oursSequential)
}×
sequential await apply vs bare round trip:      ${
  ratio(bareSequential, oursSequential)
}× (goal ≥ 1)
start+1 task+terminate, piscina / Pool:         ${
  ratio(piscina.start, startOurs)
}× (goal > 1)
start+1 task+terminate, tinypool / Pool:        ${
  ratio(tinypool.start, startOurs)
}×`);
emitJson({
  workers: WORKERS,
  cpuMs,
  ms: {
    pool: {
      chunksize1: ours,
      applyLoop: oursApply,
      defaultChunksize: oursDefault,
      sequential: oursSequential,
      bareRoundTrip: bareSequential,
      besideBusy: oursBeside,
      start: startOurs,
    },
    piscina,
    tinypool,
  },
});
// A hung peer's threads would keep this process alive.
if (hung.length > 0) process.exit(0);
