/**
 * Who the current thread is, and who started it: Python's
 * `current_process()`, `parent_process()`, `cpu_count()` and the
 * main-module guard.
 *
 * @module
 */
import { runtime } from "./_runtime/mod.ts";
import { identity } from "./_core/identity.ts";

/** A thread's identity, as {@linkcode currentProcess} returns it. */
export interface ProcessIdentity {
  /** "MainProcess" on the main thread, else the name given to the worker. */
  readonly name: string;
  /** 0 on the main thread; workers get pids unique within the OS process. */
  readonly pid: number;
  /** Whether this is a daemon (pool workers are); a daemon starts no children. */
  readonly daemon: boolean;
  /** Always `null`: a thread that can ask is still running. */
  readonly exitCode: null;
  /** The authentication key: 32 random bytes on the main thread, inherited by children. */
  readonly authkey: Uint8Array;
  /** Always `true`: a thread that can ask is still running. */
  isAlive(): boolean;
}

/** The part of `import.meta` that {@linkcode isMain} reads. */
export interface ImportMetaLike {
  /** The module's URL. */
  readonly url: string;
  /** Deno, Bun and Node ≥ 24.2 set it in the script run directly. */
  readonly main?: boolean;
}

/**
 * The current thread's identity, like Python's `current_process()`.
 *
 * @returns Name, pid, daemon flag, exit code (`null`), authkey, `isAlive()`.
 *
 * @example Usage
 * ```ts
 * import { currentProcess } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const me = currentProcess();
 * assert.equal(me.name, "MainProcess");
 * assert.equal(me.pid, 0);
 * assert.equal(me.isAlive(), true);
 * ```
 */
export function currentProcess(): ProcessIdentity {
  const self = identity();
  return described(self.name, self.pid, self.daemon ?? false, self.authkey);
}

/**
 * The thread that started this one, like Python's `parent_process()`:
 * `null` on the main thread. Its `exitCode` is `null` and `isAlive()` is
 * `true`: a worker whose parent ends is stopped with it.
 *
 * @returns The parent's name, pid and authkey, or `null`.
 *
 * @example Usage
 * ```ts
 * import { parentProcess } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parentProcess(), null);
 * ```
 */
export function parentProcess(): ProcessIdentity | null {
  const self = identity();
  if (self.parent === undefined || self.parent === null) return null;
  return described(self.parent.name, self.parent.pid, false, self.authkey);
}

function described(
  name: string,
  pid: number,
  daemon: boolean,
  authkey: Uint8Array | undefined,
): ProcessIdentity {
  return {
    name,
    pid,
    daemon,
    exitCode: null,
    authkey: authkey ?? new Uint8Array(32),
    isAlive: () => true,
  };
}

/**
 * Whether `meta` is the `import.meta` of the script run directly: Python's
 * `if __name__ == "__main__"`, on Deno, Bun and Node alike (Node 20 has no
 * `import.meta.main`). Always `false` in a worker, so a module listed in
 * `module` that guards its start-up code with it starts nothing when a
 * worker imports it for its exports.
 *
 * @param meta The calling module's `import.meta`.
 * @returns `true` only in the script's own module, on the main thread.
 *
 * @example Usage
 * ```ts
 * import { isMain, Process } from "@seed/multiprocessing";
 *
 * export function work(n: number): void {
 *   console.log("working on", n);
 * }
 *
 * if (isMain(import.meta)) {
 *   const p = new Process({ target: work, args: [1], module: import.meta.url });
 *   p.start();
 *   await p.join();
 * }
 * ```
 */
export function isMain(meta: ImportMetaLike): boolean {
  return runtime.isMainModule(meta);
}

/**
 * The number of logical CPUs, like Python's `cpu_count()`.
 *
 * @example Usage
 * ```ts
 * import { cpuCount } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.ok(cpuCount() >= 1);
 * ```
 */
export function cpuCount(): number {
  return runtime.cpuCount();
}
