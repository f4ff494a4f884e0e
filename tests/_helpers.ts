// Test helpers: fixture paths that work from source (.ts) and from the npm
// build (.js), and running a fixture script as a separate OS process.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtime } from "../lib/_runtime/mod.ts";
import type { Process, SocketAddress } from "../mod.ts";

const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/** The URL of `tests/fixtures/<name>` in whichever form is running. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}${EXT}`, import.meta.url);
}

/** What a finished script printed and how it ended. */
export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs fixture `name` with the current runtime; kills it after `timeoutMs`. */
export function runFixture(
  name: string,
  args: string[] = [],
  timeoutMs = 20_000,
): Promise<ScriptResult> {
  const [command, ...rest] = runtime.scriptCommand(
    fileURLToPath(fixture(name)),
  );
  return new Promise((resolve) => {
    execFile(
      command,
      [...rest, ...args],
      {
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        env: { ...process.env, NO_COLOR: "1" },
      },
      (error, stdout, stderr) => {
        const code = error === null
          ? 0
          : typeof error.code === "number"
          ? error.code
          : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Polls `check` every few ms until it holds, or fails after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error("waitUntil: condition never held");
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Runs `count` processes made by `make(i)` to the end; fails unless every
 * one exits with code 0.
 */
export async function runProcesses(
  count: number,
  make: (i: number) => Process<never>,
): Promise<void> {
  const processes = globalThis.Array.from({ length: count }, (_, i) => make(i));
  for (const p of processes) p.start();
  await Promise.all(processes.map((p) => p.join()));
  const codes = processes.map((p) => p.exitCode);
  if (codes.some((code) => code !== 0)) {
    throw new Error(`processes exited with codes ${codes.join(", ")}`);
  }
}

/** `n` zeroed ints in a new `SharedArrayBuffer`. */
export function sharedInts(n = 2): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

/**
 * Resolves or rejects as `promise` does, or rejects naming `what` once `ms`
 * pass first: a guard that turns a hang into a failure.
 */
export function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: did not settle within ${ms} ms`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The repository's root, whether the tests run from source or the npm build. */
export const root: string = resolve(
  fileURLToPath(new URL(".", import.meta.url)),
  EXT === ".js" ? "../.." : "..",
);

/** An absolute path: Deno runs its own binary when asked for plain "node". */
export function findNode(): string {
  if (runtime.name === "node") return process.execPath;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (existsSync(join(dir, "node"))) return join(dir, "node");
  }
  return "node";
}

/** Runs `command`; resolves with its stdout, rejects with its stderr. */
export function runCommand(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} failed: ${stderr}`, { cause: error }));
      } else resolve(stdout);
    });
  });
}

/**
 * Starts `tests/fixtures/<name>.ts` on Deno as a separate OS process, and
 * resolves with it and the address it prints as its first line (JSON).
 */
export function startDenoServer(
  name: string,
  args: string[],
): Promise<{ child: ChildProcess; address: SocketAddress }> {
  const child = spawn(join(root, "node_modules/.bin/deno"), [
    "run",
    "-A",
    join(root, `tests/fixtures/${name}.ts`),
    ...args,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) {
        resolve({ child, address: JSON.parse(out.split("\n")[0]) });
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited: ${code}`)));
  });
}
