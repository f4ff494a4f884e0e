// Pool.map of 100,000 numbers with the default chunksize (numbers travel as
// Float64Array chunks), and of 100,000 mixed items (the general path),
// next to Python's Pool.map of the same numbers (bench/python_map.py, run
// last) on as many processes, in the same run; medians of 9 rounds.
//   deno run -A bench/map_bench.ts
//   bun bench/map_bench.ts
//   deno task build:npm && node npm/bench/map_bench.js
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cpuCount, Pool } from "../mod.ts";
import { runtime } from "../lib/_runtime/mod.ts";
import { emitJson } from "./_json.ts";

const ITEMS = 100_000;
const ROUNDS = 9;
const WORKERS = cpuCount();
const numbers = Array.from({ length: ITEMS }, (_, i) => i);
const mixed = numbers.map((i) => i % 2 === 0 ? i : `${i}`);
const double = (x: number) => x * 2;
const twice = (x: number | string) => typeof x === "number" ? x * 2 : x + x;

const pool = new Pool(WORKERS);
/** Median items/s of `pool.map(fn, items)`. */
async function itemsPerSecond<T>(
  fn: (x: T) => unknown,
  items: T[],
): Promise<number> {
  await pool.map(fn, items); // warm up
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await pool.map(fn, items);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return items.length / (times[ROUNDS >> 1] / 1000);
}
const ours = await itemsPerSecond(double, numbers);
const oursMixed = await itemsPerSecond(twice, mixed);
await pool.close();
await pool.join();

// Python last, so that it does not share the CPU with the runs above.
let python = NaN;
try {
  const out = execFileSync("python3", [
    fileURLToPath(new URL("./python_map.py", import.meta.url)),
    `${WORKERS}`,
    `${ITEMS}`,
  ], { encoding: "utf8" });
  console.log(out.trim());
  python = Number(/([\d.]+) M items\/s/.exec(out)?.[1]) * 1e6;
} catch {
  console.log("python3 not available: no Python comparison");
}
const m = (n: number) => `${(n / 1e6).toFixed(2)}M items/s`;
console.log(
  `${runtime.name}, ${WORKERS} workers: map of ${ITEMS} numbers ${m(ours)} (${
    (ours / python).toFixed(2)
  }× Python's ${m(python)}); of mixed items ${m(oursMixed)}`,
);
emitJson({ itemsPerSecond: { numbers: ours, mixed: oursMixed, python } });
