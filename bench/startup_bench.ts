// Start-up benchmarks: Process start+join of an empty target (by module
// reference) beside a bare worker of the same runtime (spawn, first message,
// terminate), and Pool(2) + one task + close/join beside piscina(2) + one
// task + destroy and beside a minimal pool of two bare workers (the floor
// for this shape: no library code) — in the same run.
// Run: npx deno run -A bench/startup_bench.ts · node_modules/.bin/bun bench/startup_bench.ts
// Node: deno task build:npm && node_modules/.bin/tsc -p scripts/tsconfig.bench.json
//       && cp bench/_peer_worker.mjs bench/_bare_worker.mjs bench/_minimal_pool_worker.mjs npm/bench/
//       && node npm/bench/startup_bench.js
import { measure } from "mitata";
import { Piscina } from "piscina";
import { Pool, Process } from "../mod.ts";
import { runtime } from "../lib/_runtime/mod.ts";
import { emitJson } from "./_json.ts";
import { empty, identity } from "./_startup_targets.ts";

const TARGETS = new URL(
  import.meta.url.endsWith(".ts")
    ? "./_startup_targets.ts"
    : "./_startup_targets.js",
  import.meta.url,
);
const BARE = new URL("./_bare_worker.mjs", import.meta.url);
const MINIMAL = new URL("./_minimal_pool_worker.mjs", import.meta.url);
const PEER_WORKER = new URL("./_peer_worker.mjs", import.meta.url).href;

/** Median ms of `fn`. */
async function time(name: string, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const stats = await measure(fn, {
    min_samples: 10,
    max_samples: 60,
    min_cpu_time: 1e9,
  });
  const ms = stats.p50 / 1e6;
  console.log(`${name.padEnd(42)} ${ms.toFixed(2)} ms`);
  return ms;
}

/** Starts a bare worker; resolves once it said hello and is stopped. */
function bareWorker(): Promise<void> {
  return new Promise<void>((resolve) => {
    const handle = runtime.spawn(BARE, {
      message: () => void handle.terminate().then(() => resolve()),
      exit: () => {},
    });
  });
}

const bare = await time("bare worker: spawn, first message, stop", bareWorker);

/**
 * The same shape as Pool(2) + one task + close + join with no library code:
 * two bare workers started together, the task (the same module and
 * function) sent to the first, which then exits; the second, which ran
 * nothing, is terminated then, as `close()` does to a worker given no task.
 */
function minimalPool(): Promise<void> {
  return new Promise<void>((resolve) => {
    const first = runtime.spawn(MINIMAL, {
      message() {
        first.postMessage("exit");
        void second.terminate();
      },
      exit: () => resolve(),
    });
    const second = runtime.spawn(MINIMAL, { message() {}, exit() {} });
    first.postMessage({ url: TARGETS.href, name: "identity", args: [1] });
  });
}

const minimal = await time(
  "minimal pool of 2 bare workers + 1 task",
  minimalPool,
);

const process = await time("Process start + join (empty target)", async () => {
  const p = new Process({ target: empty, module: TARGETS });
  p.start();
  await p.join();
});

const pool = await time("Pool(2) + 1 task + close + join", async () => {
  const p = new Pool(2, { module: TARGETS });
  await p.apply(identity, [1]);
  p.close();
  await p.join();
});

const piscina = await time("piscina(2) + 1 task + destroy", async () => {
  const p = new Piscina({
    filename: PEER_WORKER,
    minThreads: 2,
    maxThreads: 2,
  });
  await p.run(1);
  await p.destroy();
});

console.log(`
${runtime.name}: Process start+join / bare worker: ${
  (process / bare).toFixed(2)
}× (goal ≤ 2)
${runtime.name}: Pool(2)+1 task+close / piscina:  ${
  (pool / piscina).toFixed(2)
}× (goal ≤ 1)
${runtime.name}: Pool(2)+1 task+close / minimal pool: ${
  (pool / minimal).toFixed(2)
}×`);
emitJson({ bare, minimal, process, pool, piscina });
