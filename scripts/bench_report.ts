// Writes the README's performance tables from a bench run: the machine, the
// date, and ratios (pool sizes, dispatch vs piscina and tinypool, locks vs
// an inline futex mutex, manager latency vs Python, Queue vs postMessage).
// Usage: deno run -A scripts/bench_report.ts [--from run.json]
// Without --from it runs `deno task bench --json` first (several minutes).
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { nodeLines } from "./_node_lines.ts";

const { values } = parseArgs({ options: { from: { type: "string" } } });
const root = new URL("..", import.meta.url).pathname;
Deno.chdir(root);

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";

// deno-lint-ignore no-explicit-any
type Json = any;

async function output(argv: string[]): Promise<string> {
  try {
    const { stdout } = await new Deno.Command(argv[0], { args: argv.slice(1) })
      .output();
    return new TextDecoder().decode(stdout).trim();
  } catch {
    return "not installed";
  }
}

let from = values.from;
if (from === undefined) {
  from = await Deno.makeTempFile({ suffix: ".json" });
  await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/bench.ts", "--json", from],
  }).spawn().status;
}
const run: Json = JSON.parse(readFileSync(from, "utf8"));

const cpu = /^model name\s*:\s*(.*)$/m.exec(
  readFileSync("/proc/cpuinfo", "utf8"),
)?.[1] ?? "unknown CPU";
const versions = [
  `Deno ${Deno.version.deno}`,
  `Bun ${await output(["node_modules/.bin/bun", "--version"])}`,
  `Node ${nodeLines(root)[0].version}`,
  (await output(["python3", "--version"])).replace("python", "Python"),
];

/** A ratio; "–" when a side is missing (a skipped peer is null). */
const x = (n: number) => Number.isFinite(n) && n > 0 ? `${n.toFixed(2)}×` : "–";
const ms = (n: number) => `${n.toFixed(n < 100 ? 1 : 0)} ms`;
const us = (n?: number) => n === undefined ? "–" : `${n.toFixed(1)} µs`;

/** Each runtime's numbers from bench `name`, as [runtime, numbers]. */
function each(name: string): [string, Json][] {
  return Object.entries(run.results as Record<string, Json>)
    .filter(([, benches]) => benches[name] !== undefined)
    .map(([runtime, benches]) => [runtime, benches[name]]);
}

const sections: string[] = [];
/** Adds a table under a heading, unless the run has no rows for it. */
function section(
  title: string,
  note: string,
  header: string[],
  rows: string[][],
): void {
  if (rows.length === 0) return;
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const table = [header, header.map(() => "---"), ...rows].map(line);
  sections.push(`### ${title}\n\n${note}\n\n${table.join("\n")}`);
}

const pools = each("pool_bench");
section(
  "Pool size",
  "16 CPU-bound tasks of about 10 ms, `chunksize: 1`: time with `Pool(1)`, " +
    "and speedup over it.",
  ["runtime", "Pool(1)", "Pool(2)", "Pool(4)", "Pool(8)"],
  pools.map(([runtime, { cpuMs }]) => [
    runtime,
    ms(cpuMs[1]),
    ...[2, 4, 8].map((size) => x(cpuMs[1] / cpuMs[size])),
  ]),
);
const cases: [string, string, string][] = [
  ["100,000 tiny tasks, `map` chunksize 1", "chunksize1", "tiny"],
  ["100,000 tiny tasks, `applyAsync` loop", "applyLoop", "tiny"],
  ["100,000 tiny tasks, `map` default chunksize", "defaultChunksize", "tiny"],
  ["2,000 awaited `apply` one at a time", "sequential", "sequential"],
  ["start + 1 task + terminate", "start", "start"],
];
section(
  "Task dispatch vs piscina and tinypool",
  "Same runtime, same run, 2 workers; the peers run one `run()` per task. " +
    "Ratios are the peer's time over Pool's: above 1 means Pool is faster; " +
    "– where the peer hung (a workload unfinished after 60 s: tinypool on " +
    "Deno 2.9.6 at times never answers) or could not run.",
  ["runtime", "case", "Pool", "piscina ÷ Pool", "tinypool ÷ Pool"],
  pools.flatMap(([runtime, { ms: t }]) =>
    cases.map(([label, ours, peer]) => [
      runtime,
      label,
      ms(t.pool[ours]),
      x(t.piscina[peer] / t.pool[ours]),
      x(t.tinypool[peer] / t.pool[ours]),
    ])
  ),
);

const syncs = each("sync_bench");
const kinds = Object.keys(syncs[0]?.[1].contention.uncontended.ratio ?? {});
section(
  "Lock contention vs an inline futex mutex",
  "Acquire, increment, release, on the main thread (uncontended) or by 1, 2 " +
    "and 4 workers (rounds of at least 20 ms). Time as a multiple of the inline 3-state futex mutex: " +
    "1.00× is the same speed, lower is faster.",
  ["runtime", "contention", "futex mutex", ...kinds],
  syncs.flatMap(([runtime, { contention }]) =>
    Object.entries(contention as Record<string, Json>).map((
      [label, { referenceNsPerOp, ratio }],
    ) => [
      runtime,
      label === "uncontended" ? label : `${label.slice(0, -1)} worker(s)`,
      `${referenceNsPerOp.toFixed(1)} ns/op`,
      ...kinds.map((kind) => x(ratio[kind])),
    ])
  ),
);

section(
  "Locked counter vs Python",
  "2 workers, each doing `value.value += 1` under `getLock()` (an RLock) in " +
    "rounds of at least 20 ms (200,000 to 5,000,000 increments), " +
    "next to Python's 2 processes × 100,000 `with v.get_lock(): v.value += 1` " +
    "in the same run, and next to the inline futex mutex.",
  ["runtime", "ours", "Python", "ours ÷ Python", "speed ÷ futex mutex"],
  syncs.map(([runtime, { contention, python }]) => {
    const guarded = contention["2w"];
    const ns = guarded.referenceNsPerOp *
      guarded.ratio["Value under getLock()"];
    const ours = 2e9 / ns;
    const theirs = python?.guardedOpsPerSecond ?? NaN;
    return [
      runtime,
      `${(ours / 1e6).toFixed(2)}M ops/s`,
      `${(theirs / 1e6).toFixed(2)}M ops/s`,
      x(ours / theirs),
      x(guarded.referenceNsPerOp / ns),
    ];
  }),
);

section(
  "`map` of numbers vs Python",
  "`pool.map(x => x * 2, 100,000 numbers)` with the default chunksize " +
    "(chunks of numbers travel as Float64Array bytes), and of 100,000 mixed " +
    "numbers and strings, next to Python's `Pool.map` of the same numbers on " +
    "as many processes in the same run; items/s, medians of 9.",
  ["runtime", "numbers", "mixed", "Python", "numbers ÷ Python"],
  each("map_bench").map(([runtime, { itemsPerSecond: r }]) => [
    runtime,
    `${(r.numbers / 1e6).toFixed(2)}M`,
    `${(r.mixed / 1e6).toFixed(2)}M`,
    `${(r.python / 1e6).toFixed(2)}M`,
    x(r.numbers / r.python),
  ]),
);

const managers = each("manager_bench");
const python = managers[0]?.[1].python ?? { main: NaN, child: NaN };
/** Python's time for the same kind of caller. */
const pythonFor = (label: string) =>
  /^(pool )?worker/.test(label) ? python.child : python.main;
section(
  "Manager `list.append` latency vs Python",
  `µs per append (median). Python's \`Manager().list().append\` on this ` +
    `machine: ${us(python.main)} from the main process, ${
      us(python.child)
    } from a child process. The last column is Python's time (child ` +
    `process for the worker rows: a child Process, a pool worker) over ours: ` +
    `above 1 means faster than Python.`,
  ["runtime", "case", "per append", "Python ÷ ours"],
  managers.flatMap(([runtime, { usPerCall }]) =>
    Object.entries(usPerCall as Record<string, number>).map((
      [label, t],
    ) => [runtime, label, us(t), x(pythonFor(label) / t)])
  ),
);

section(
  "Queue throughput vs postMessage",
  "Small objects between workers; µs per item. The reference moves the same " +
    "objects over a MessagePort between two bare workers per pair (a " +
    "transferred MessageChannel, at most 32 in flight). Above 1 means the " +
    "Queue is faster.",
  ["runtime", "workers", "Queue", "postMessage", "postMessage ÷ Queue"],
  each("queue_bench").flatMap(([runtime, { usPerItem }]) =>
    Object.entries(usPerItem as Record<string, Json>).map((
      [pairs, { queue, postMessage }],
    ) => [runtime, pairs, us(queue), us(postMessage), x(postMessage / queue)])
  ),
);

section(
  "One awaited task at a time vs the bare round trip",
  "2,000 `await pool.apply(f, [i])` one after another (small tasks go " +
    "through a shared-memory mailbox), next to 2,000 awaited postMessage " +
    "round trips with a bare worker of the same runtime. Goal: at least 1.",
  ["runtime", "Pool", "bare round trip", "bare ÷ Pool"],
  pools.map(([runtime, { ms: t }]) => [
    runtime,
    ms(t.pool.sequential),
    ms(t.pool.bareRoundTrip),
    x(t.pool.bareRoundTrip / t.pool.sequential),
  ]),
);

section(
  "Start-up",
  "Medians. `Process` start + join of an empty target (by module reference) " +
    "next to a bare worker of the same runtime (spawn, first message, stop; " +
    "goal: at most 2×), and `Pool(2)` + one task + `close()` + `join()` next " +
    "to piscina(2) + one task + `destroy()` (goal: at most 1×) and to the " +
    "same shape with no library code, the floor for it: two bare workers " +
    "started together, the task sent to the first, which then exits, the " +
    "second terminated. A bare worker loads nothing (on Bun and Deno it " +
    "posts through the worker's web global, not `node:worker_threads`).",
  [
    "runtime",
    "bare worker",
    "Process",
    "Process ÷ bare",
    "Pool(2)",
    "piscina(2)",
    "Pool ÷ piscina",
    "minimal pool",
    "Pool ÷ minimal",
  ],
  each("startup_bench").map(([runtime, t]) => [
    runtime,
    ms(t.bare),
    ms(t.process),
    x(t.process / t.bare),
    ms(t.pool),
    ms(t.piscina),
    x(t.pool / t.piscina),
    t.minimal === undefined ? "–" : ms(t.minimal),
    t.minimal === undefined ? "–" : x(t.pool / t.minimal),
  ]),
);

section(
  "ClusterPool: 2 worker nodes on this machine",
  "Each node is its own OS process with 1 worker thread, on one local " +
    "redis-server; the driver runs on the runtime named. 10,000 CPU-bound " +
    "tasks of about 1 ms next to a local `Pool(2)` (goal: at most 1.3×), an " +
    "awaited empty job's round trip, 200 jobs in flight, and `map` of " +
    "1,000,000 numbers with the default chunksize (median of 3; goal: at " +
    "least 1M items/s).",
  [
    "runtime",
    "local Pool(2)",
    "cluster",
    "cluster ÷ local",
    "empty job",
    "jobs/s, 200 in flight",
    "map items/s",
  ],
  each("cluster_bench").map(([runtime, r]) => [
    runtime,
    ms(r.localMs),
    ms(r.clusterMs),
    x(r.ratio),
    ms(r.roundTripMs),
    r.jobsPerSecond.toFixed(0),
    `${(r.itemsPerSecond / 1e6).toFixed(2)}M`,
  ]),
);

section(
  "`imap` memory",
  "`imap` over an infinite generator, 1,000,000 results consumed: resident " +
    "memory after the first 100,000 and its growth after that (goal: at most " +
    "20 MB).",
  ["runtime", "time", "RSS at 100k", "growth after", "main-thread heap"],
  each("imap_memory_bench").map(([runtime, r]) => [
    runtime,
    ms(r.seconds * 1000),
    `${r.rssMb[0]} MB`,
    `${r.growthMb} MB`,
    `${r.heapMb[0]} → ${r.heapMb.at(-1)} MB`,
  ]),
);

const seconds = Object.entries(run.seconds as Record<string, number>)
  .map(([runtime, s]) => `${runtime} ${s.toFixed(0)} s`).join(", ");
const failed = run.failed.length === 0
  ? ""
  : ` Failed: ${run.failed.join(", ")}.`;
const body = `${START}
Written by \`deno run -A scripts/bench_report.ts\` from one \`deno task bench\`
run on ${run.date.slice(0, 10)}: ${cpus().length} cores, ${cpu}; ${
  versions.join(", ")
}. Wall time: ${seconds}.${failed} Load average when the run started:
${run.load.toFixed(1)}. Machines are noisy: compare the ratios, not the times.

${sections.join("\n\n")}
${END}`;

const readme = readFileSync("README.md", "utf8");
const start = readme.indexOf(START);
const end = readme.indexOf(END);
const updated = start >= 0 && end > start
  ? readme.slice(0, start) + body + readme.slice(end + END.length)
  : readme.replace("## Development", `## Performance\n\n${body}\n\n$&`);
writeFileSync("README.md", updated);
await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", "README.md"] })
  .spawn().status;
console.log(body);
