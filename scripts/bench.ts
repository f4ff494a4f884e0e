// Runs every bench/*_bench.ts on Deno and Bun, and on Node from the npm
// build when the bench's header says how (`node npm/bench/<name>.js`),
// printing mitata's output and charts, then each runtime's wall time.
// Node is the active LTS line: the newest one package.json pins.
// Usage: deno task bench [--runtime deno,bun,node] [--json out.json]
//        [--limit seconds] [names...]
// --json collects the numbers each bench writes to $BENCH_JSON into one file.
// --limit (default 300) stops a bench that runs longer, and names it among
// the failures, so that one hang cannot hold the whole run.
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { nodeBinary, nodeLines } from "./_node_lines.ts";

const { values, positionals } = parseArgs({
  options: {
    runtime: { type: "string", default: "deno,bun,node" },
    json: { type: "string" },
    limit: { type: "string", default: "300" },
  },
  allowPositionals: true,
});
const limitSeconds = Number(values.limit);
if (!(limitSeconds > 0)) {
  throw new TypeError(
    `--limit must be a positive number of seconds, got ${values.limit}`,
  );
}
const root = new URL("..", import.meta.url).pathname;
Deno.chdir(root);

const names = readdirSync("bench")
  .filter((f) => f.endsWith("_bench.ts"))
  .map((f) => f.slice(0, -".ts".length))
  .filter((name) => positionals.length === 0 || positionals.includes(name))
  .sort();
const bin = (name: string) =>
  existsSync(`node_modules/.bin/${name}`) ? `node_modules/.bin/${name}` : name;

/** The command that runs bench `name` on `runtime`, or null if it cannot. */
function command(runtime: string, name: string): string[] | null {
  const file = `bench/${name}.ts`;
  if (runtime === "deno") return [Deno.execPath(), "run", "-A", file];
  if (runtime === "bun") return [bin("bun"), file];
  const header = readFileSync(file, "utf8");
  return header.includes(`npm/bench/${name}.js`)
    ? [nodeBinary(nodeLines(root)[0]), `npm/bench/${name}.js`]
    : null;
}

/**
 * Runs a command with inherited output; resolves to "done", "failed", or
 * "timed out" (killed after `limit` seconds).
 */
async function spawn(
  argv: string[],
  env: Record<string, string> = {},
  limit = Infinity,
): Promise<"done" | "failed" | "timed out"> {
  console.log(`\n$ ${argv.join(" ")}`);
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  let timedOut = false;
  const timer = Number.isFinite(limit)
    ? setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, limit * 1000)
    : undefined;
  const { success } = await child.status;
  clearTimeout(timer);
  return timedOut ? "timed out" : success ? "done" : "failed";
}

/** The npm build the Node runs use, with the peers' and bare worker files. */
async function buildForNode(): Promise<boolean> {
  const ok = await spawn([
    Deno.execPath(),
    "run",
    "-A",
    "scripts/build_npm.ts",
  ]) === "done";
  // tsc compiles only .ts: the plain worker files and the Python sides come
  // along as they are.
  const plain = (f: string) => f.endsWith(".mjs") || f.endsWith(".py");
  for (const file of readdirSync("bench").filter(plain)) {
    if (ok) copyFileSync(`bench/${file}`, `npm/bench/${file}`);
  }
  return ok;
}

const load = loadavg()[0];
const results: Record<string, Record<string, unknown>> = {};
const seconds: Record<string, number> = {};
const failed: string[] = [];
const jsonFile = await Deno.makeTempFile({ suffix: ".json" });
for (const runtime of values.runtime.split(",")) {
  const started = performance.now();
  results[runtime] = {};
  if (runtime === "node" && !(await buildForNode())) {
    failed.push("node: npm build");
    continue;
  }
  for (const name of names) {
    const argv = command(runtime, name);
    if (argv === null) {
      console.log(`\n${name}: no Node build of this bench, skipped on node`);
      continue;
    }
    await Deno.writeTextFile(jsonFile, "");
    const benchStarted = performance.now();
    const outcome = await spawn(argv, { BENCH_JSON: jsonFile }, limitSeconds);
    const s = (performance.now() - benchStarted) / 1000;
    console.log(`\n${name} on ${runtime}: ${outcome} in ${s.toFixed(0)} s`);
    if (outcome !== "done") failed.push(`${runtime}: ${name} (${outcome})`);
    const json = await Deno.readTextFile(jsonFile);
    if (json !== "") results[runtime][name] = JSON.parse(json);
  }
  seconds[runtime] = (performance.now() - started) / 1000;
}
await Deno.remove(jsonFile);

console.log("\nwall time per runtime:");
for (const [runtime, s] of Object.entries(seconds)) {
  console.log(`  ${runtime.padEnd(5)} ${s.toFixed(0).padStart(4)} s`);
}
const total = Object.values(seconds).reduce((a, b) => a + b, 0);
console.log(`  total ${total.toFixed(0).padStart(4)} s`);
if (values.json !== undefined) {
  const run = {
    date: new Date().toISOString(),
    load,
    seconds,
    failed,
    results,
  };
  await Deno.writeTextFile(values.json, JSON.stringify(run, null, 2) + "\n");
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(", ")}`);
  Deno.exit(1);
}
