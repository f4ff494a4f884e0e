// Memory of imap over an infinite input: 1,000,000 results consumed from a
// generator that never ends, resident memory sampled every 100,000. imap
// pulls its input lazily and bounds what is in flight, so memory must stay
// flat (goal: growth <= 20 MB after the first 100,000).
// Run: npx deno run -A bench/imap_memory_bench.ts · node_modules/.bin/bun bench/imap_memory_bench.ts
// Node: deno task build:npm && node npm/bench/imap_memory_bench.js
import process from "node:process";
import { Pool } from "../mod.ts";
import { runtime } from "../lib/_runtime/mod.ts";
import { emitJson } from "./_json.ts";

const TOTAL = Number(process.env.IMAP_TOTAL ?? 1_000_000);
const SAMPLE = 100_000;

function* naturals(): Generator<number> {
  for (let i = 0;; i++) yield i;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const samples: number[] = [];
const heap: number[] = [];
const started = performance.now();
await using pool = new Pool(2);
let count = 0;
let sum = 0;
for await (
  const x of pool.imap((n: number) => n + 1, naturals(), { chunksize: 256 })
) {
  sum += x;
  if (++count % SAMPLE === 0) {
    const usage = process.memoryUsage();
    samples.push(mb(usage.rss));
    heap.push(mb(usage.heapUsed));
  }
  if (count === TOTAL) break;
}
const seconds = (performance.now() - started) / 1000;
const growth = samples[samples.length - 1] - samples[0];
console.log(`${runtime.name}: ${count} results in ${seconds.toFixed(1)} s`);
console.log(`RSS MB every 100k:          ${samples.join(" ")}`);
console.log(`main-thread heap MB:        ${heap.join(" ")}`);
console.log(`RSS growth after the first 100k: ${growth} MB (goal <= 20)`);
if (sum !== (TOTAL * (TOTAL + 1)) / 2) throw new Error(`wrong sum ${sum}`);
emitJson({
  results: count,
  seconds,
  rssMb: samples,
  heapMb: heap,
  growthMb: growth,
});
