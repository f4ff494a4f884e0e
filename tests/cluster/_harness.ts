// Real parts for the cluster tests: a redis-server on a free loopback port
// (no persistence, in a temp dir) and worker nodes as separate OS processes
// of any runtime.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtime, type RuntimeName } from "../../lib/_runtime/mod.ts";

const built = import.meta.url.endsWith(".js");
/** The repository root. */
export const root: string = resolve(
  fileURLToPath(new URL(".", import.meta.url)),
  built ? "../../.." : "../..",
);
const EXT = built ? ".js" : ".ts";

/** The URL of `tests/fixtures/<name>` in whichever form is running. */
export function fixtureUrl(name: string): string {
  return new URL(`../fixtures/${name}${EXT}`, import.meta.url).href;
}

function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  for (const dir of ["/usr/bin", "/usr/sbin", "/usr/local/bin"]) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command to Redis at `port`; resolves with the raw reply. */
export function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    socket.on("data", (chunk) => {
      reply += chunk;
      if (reply.endsWith("\r\n")) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on("error", reject);
    socket.write(`${command}\r\n`);
  });
}

/** A running redis-server. */
export interface Redis {
  readonly port: number;
  readonly url: string;
  /** Every key, sorted. */
  keys(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts redis-server on a free loopback port; fails (never skips) if it is missing. */
export async function startRedis(): Promise<Redis> {
  let binary = which("redis-server");
  if (binary === null && process.getuid?.() === 0 && which("apt-get")) {
    // The README's test command installs Debian's redis-server where it can.
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "redis-server"], {
      stdio: "inherit",
    });
    binary = which("redis-server");
  }
  if (binary === null) {
    throw new Error(
      "Cannot run the cluster tests: redis-server is not installed; install Debian's package redis-server (apt-get install -y redis-server)",
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "seedmp-redis-"));
  const child = spawn(binary, [
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
    "--logfile",
    "",
  ], { stdio: ["ignore", "ignore", "inherit"] });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await redisCommand(port, "PING")).startsWith("+PONG")) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async keys() {
      const reply = await redisCommand(port, "KEYS *");
      return reply.split("\r\n").filter((line) =>
        line !== "" && !/^[*$]/.test(line)
      ).sort();
    },
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The argv that runs the worker-node command on `name`. */
export function workerCommand(name: RuntimeName): string[] {
  if (name === "node") {
    const node = runtime.name === "node" ? process.execPath : which("node")!;
    return [node, join(root, "npm/lib/cluster/worker.js")];
  }
  const worker = join(root, "lib/cluster/worker.ts");
  return name === "deno"
    ? [join(root, "node_modules/.bin/deno"), "run", "-A", worker]
    : [join(root, "node_modules/.bin/bun"), worker];
}

/** A worker node running as its own OS process. */
export interface NodeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once it has exited. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts a worker node; resolves once it printed that it is ready. */
export async function startNode(
  args: string[],
  name: RuntimeName = runtime.name,
): Promise<NodeProcess> {
  const [command, ...rest] = workerCommand(name);
  const child = spawn(command, [...rest, ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  child.stdout!.on("data", (chunk) => out += chunk);
  child.stderr!.on("data", (chunk) => out += chunk);
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1))
  );
  const node: NodeProcess = {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    // process.kill, not child.kill: Deno 2.9's child_process then reports
    // the signal it sent as the exit status even when the child exits 0.
    kill: (signal = "SIGKILL") => {
      try {
        process.kill(child.pid!, signal);
      } catch {
        // already gone
      }
    },
  };
  const deadline = Date.now() + 30_000;
  while (!out.includes(" ready")) {
    const done = await Promise.race([
      exited.then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 25)),
    ]);
    if (done || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`worker node (${name}) did not start:\n${out}`);
    }
  }
  return node;
}
