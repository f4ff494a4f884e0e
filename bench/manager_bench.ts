// Manager latency: ListProxy.append round trips from the main thread, from
// a child Process and from a pool worker (all three through the server's
// shared memory), and to a server in another OS process (TCP loopback),
// next to Python's Manager().list().append measured on this machine.
// Run: deno run -A bench/manager_bench.ts | bun bench/manager_bench.ts
// Node: deno task build:npm && node npm/bench/manager_bench.js
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bench, group, run } from "mitata";
import { Manager, Pool, Process, SyncManager } from "../mod.ts";
import { runtime } from "../lib/_runtime/mod.ts";
import { emitJson } from "./_json.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
/** This file's extension: `.js` in the npm build that Node runs. */
const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const workerModule = new URL(`./_manager_worker${EXT}`, import.meta.url);
const BATCH = 100;

function batch(list: { append(n: number): Promise<void> }) {
  return Promise.all(
    Array.from({ length: BATCH }, (_, i) => list.append(i)),
  );
}

await using manager = await Manager();
const list = await manager.list<number>();

// A worker that runs a batch of appends whenever the main thread asks.
const cells = new Int32Array(new SharedArrayBuffer(12));
const { drive } = await import(
  workerModule.href
) as typeof import("./_manager_worker.ts");
const worker = new Process({
  target: drive,
  args: [list, cells],
  module: workerModule,
});
worker.start();
/** Runs one batch in the thread that waits on `cells`, resolves when done. */
async function batchIn(cells: Int32Array, mode: 0 | 1 | 2): Promise<void> {
  Atomics.store(cells, 1, mode);
  const command = Atomics.add(cells, 0, 1) + 1;
  Atomics.notify(cells, 0);
  if (mode === 0) return;
  // Waits return spuriously on some runtimes: re-check the count.
  for (let done; (done = Atomics.load(cells, 2)) < command;) {
    const waited = Atomics.waitAsync(cells, 2, done);
    if (waited.async) await waited.value;
  }
}

// A pool worker running the same loop, as one long task.
const pool = new Pool(1, { module: workerModule });
const poolCells = new Int32Array(new SharedArrayBuffer(12));
const pooled = pool.apply(drive, [list, poolCells]);

const [command, ...args] = runtime.scriptCommand(
  here(`./manager_server${EXT}`),
);
const server = spawn(command, [...args, "bench-key"], {
  stdio: ["ignore", "pipe", "inherit"],
});
const address = await new Promise<{ hostname: string; port: number }>(
  (resolve) =>
    server.stdout!.once("data", (chunk) => resolve(JSON.parse(`${chunk}`))),
);
const remote = new SyncManager({ address, authkey: "bench-key" });
await remote.connect();
const remoteList = await remote.list<number>();

group("ListProxy.append, one awaited call at a time (per call)", () => {
  bench("main thread → manager worker", async () => {
    await list.append(1);
  });
  bench("TCP loopback → server process", async () => {
    await remoteList.append(1);
  });
});

group(`ListProxy.append, ${BATCH} calls (divide by ${BATCH})`, () => {
  bench(`main thread, ${BATCH} awaited one by one`, async () => {
    for (let i = 0; i < BATCH; i++) await list.append(i);
  });
  bench(`main thread, ${BATCH} concurrent (pipelined)`, () => batch(list));
  bench(`worker, ${BATCH} awaited one by one`, () => batchIn(cells, 1));
  bench(`worker, ${BATCH} concurrent (pipelined)`, () => batchIn(cells, 2));
  bench(
    `pool worker, ${BATCH} awaited one by one`,
    () => batchIn(poolCells, 1),
  );
  bench(
    `pool worker, ${BATCH} concurrent (pipelined)`,
    () => batchIn(poolCells, 2),
  );
  bench(
    `TCP loopback, ${BATCH} concurrent (pipelined)`,
    () => batch(remoteList),
  );
});

const { benchmarks } = await run();

await batchIn(cells, 0);
await batchIn(poolCells, 0);
await worker.join();
await pooled;
await pool.terminate();
server.kill();

// Python last, so that it does not share the CPU with the runs above.
let python = NaN;
let pythonChild = NaN;
try {
  const out = execFileSync("python3", [here("./python_manager.py")], {
    encoding: "utf8",
  });
  console.log(`\n${out.trim()}`);
  python = Number(/main thread: ([\d.]+)/.exec(out)?.[1]);
  pythonChild = Number(/child process: ([\d.]+)/.exec(out)?.[1]);
} catch {
  console.log("\npython3 not available: no Python comparison");
}
console.log(
  `\n${runtime.name}: µs per append, median (× faster than Python's main thread)`,
);
const usPerCall: Record<string, number> = {};
for (const { alias, runs } of benchmarks) {
  const perCall = usPerCall[alias] = runs[0].stats!.p50 / 1000 /
    (alias.includes(`${BATCH}`) ? BATCH : 1);
  console.log(
    `  ${alias.padEnd(42)} ${perCall.toFixed(1).padStart(7)} µs  (${
      (python / perCall).toFixed(1)
    }×)`,
  );
}
emitJson({ usPerCall, python: { main: python, child: pythonChild } });
