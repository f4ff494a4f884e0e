// The Pool API on a cluster: starts Redis (or uses $REDIS_URL), two worker
// nodes as separate processes (on real machines: one command each, see the
// README), maps a function over them and prints how many chunks each ran.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ClusterPool } from "../lib/cluster/mod.ts";

/** Runs on the worker nodes: this module is on their allow-list. */
export function collatzSteps(n: number): number {
  let steps = 0;
  for (; n !== 1; steps++) n = n % 2 === 0 ? n / 2 : 3 * n + 1;
  return steps;
}

/** Starts a child process; resolves once it printed `ready` (stdout or stderr). */
function start(argv: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const check = (chunk: Buffer) => {
      output += chunk;
      if (ready.test(output)) resolve(child);
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.once(
      "exit",
      (code) => reject(new Error(`${argv[0]} exited (${code}):\n${output}`)),
    );
  });
}

/** What a stopped node printed: "worker node <name> stopped after N chunks". */
function stopped(node: ChildProcess): Promise<string> {
  let output = "";
  node.stdout!.on("data", (chunk) => output += chunk);
  node.kill("SIGTERM");
  return new Promise((resolve) =>
    node.once(
      "exit",
      () =>
        resolve(/worker node .* stopped after .*/.exec(output)?.[0] ?? output),
    )
  );
}

if (import.meta.main) {
  const children: ChildProcess[] = [];
  let url = process.env.REDIS_URL;
  if (url === undefined) {
    const port = 16_379 + Math.floor(Math.random() * 1000);
    const dir = mkdtempSync(`${tmpdir()}/seedmp-example-`);
    children.push(
      await start([
        "redis-server",
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
      ], /Ready to accept connections/),
    );
    url = `redis://127.0.0.1:${port}`;
  }
  // The same command a user runs on each machine (Deno shown; Bun and npx work too).
  const worker = fileURLToPath(
    new URL("../lib/cluster/worker.ts", import.meta.url),
  );
  const me = fileURLToPath(import.meta.url);
  const runtime = "Bun" in globalThis
    ? [process.execPath]
    : [process.execPath, "run", "-A"];
  const nodes = await Promise.all(["left", "right"].map((id) =>
    start([
      ...runtime,
      worker,
      "--redis",
      url,
      "--queue",
      "example",
      "--processes",
      "2",
      "--id",
      id,
      me,
    ], / ready/)
  ));
  try {
    await using pool = await ClusterPool.connect({
      connection: url,
      queue: "example",
      module: import.meta.url,
    });
    const steps = await pool.map(
      collatzSteps,
      Array.from({ length: 100_000 }, (_, i) => i + 1),
    );
    console.log(
      `longest Collatz chain below 100001: ${
        steps.reduce((a, b) => Math.max(a, b))
      } steps`,
    );
  } finally {
    for (const line of await Promise.all(nodes.map(stopped))) console.log(line);
    for (const child of children) child.kill("SIGKILL");
  }
}
