// Lets a bench hand its key numbers to scripts/bench_report.ts: when the
// BENCH_JSON environment variable names a file, the numbers are written
// there as JSON (NaN becomes null). Usage: BENCH_JSON=out.json deno run -A bench/x.ts
import { writeFileSync } from "node:fs";
import process from "node:process";
import { runtime } from "../lib/_runtime/mod.ts";

/** Writes `numbers`, tagged with the runtime, to $BENCH_JSON if it is set. */
export function emitJson(numbers: Record<string, unknown>): void {
  const path = process.env.BENCH_JSON;
  if (!path) return;
  const json = JSON.stringify({ runtime: runtime.name, ...numbers }, null, 2);
  writeFileSync(path, json + "\n");
}
