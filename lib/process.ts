/**
 * `Process`: run a function in a worker thread, Python style.
 *
 * @module
 */
import { type ModuleMeta, runtime, type WorkerHandle } from "./_runtime/mod.ts";
import { encode } from "./_core/codec.ts";
import { identity, nextPid, WORKER_URL } from "./_core/identity.ts";
import {
  checkNotImporting,
  type FunctionRef,
  functionRef,
  moduleUrls,
} from "./_core/function_ref.ts";
import type { RunProcess } from "./_core/protocol.ts";
import { checkOptions, describe } from "./_core/validate.ts";
import { ProcessError } from "./errors.ts";
import { checkTimeout, settlesWithin } from "./_core/timeout.ts";

/** Options of {@linkcode Process}. */
export interface ProcessOptions<A extends unknown[] = unknown[]> {
  /** The function the worker runs; see "How a function reaches a worker". */
  target: (...args: A) => unknown;
  /** Arguments for `target`; shareable objects arrive live. @default [] */
  args?: A;
  /** The process name. @default "Process-N" */
  name?: string;
  /**
   * Modules whose exports go by reference: the worker imports them and calls
   * the export, so `target` may use the module's imports. Pass
   * `import.meta.url` to list the calling module.
   */
  module?: string | URL | readonly (string | URL)[];
}

/** The name and pid of a thread, as {@linkcode currentProcess} returns. */
export interface ProcessIdentity {
  /** "MainProcess" on the main thread, else the name given to the worker. */
  readonly name: string;
  /** 0 on the main thread; workers get pids unique within the OS process. */
  readonly pid: number;
}

const KNOWN_OPTIONS = ["target", "args", "name", "module"] as const;
/** Python reports a terminated child's exit code as -SIGTERM. */
const TERMINATED = -15;
/** How long `terminate()` waits for the runtime to stop the thread, in ms. */
const GRACE_MS = 1000;

const children = new Set<Process<never>>();
let created = 0;

/**
 * A function running in its own worker thread, like Python's
 * `multiprocessing.Process`. Exit codes are Python's: 0 on success, 1 when
 * the target throws (its stack goes to stderr), -15 after `terminate()`.
 *
 * @example Usage
 * ```ts
 * import { Process } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const p = new Process({ target: (n: number) => console.log("got", n), args: [42] });
 * p.start();
 * await p.join();
 * assert.equal(p.exitCode, 0);
 * ```
 */
export class Process<A extends unknown[] = unknown[]> {
  #target: FunctionRef;
  #args: unknown[];
  #name: string;
  #pid: number | null = null;
  #exitCode: number | null = null;
  #worker: WorkerHandle | null = null;
  #stopping: Promise<boolean> | null = null;
  #exited: Promise<void>;
  #resolveExited!: () => void;

  /**
   * Describes a process; nothing runs until {@linkcode Process.start}.
   *
   * @throws {TypeError} If `target` is not a function with source text, or
   * an option is unknown or of the wrong type.
   */
  constructor(options: ProcessOptions<A>) {
    const what = "create Process";
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot ${what}: options must be an object with a "target", received ${
          describe(options)
        }`,
      );
    }
    checkOptions(what, options, KNOWN_OPTIONS);
    const { target, args = [], name = `Process-${++created}`, module } =
      options;
    if (!globalThis.Array.isArray(args)) {
      throw new TypeError(
        `Cannot ${what}: "args" must be an array, received ${describe(args)}`,
      );
    }
    if (typeof name !== "string") {
      throw new TypeError(
        `Cannot ${what}: "name" must be a string, received ${describe(name)}`,
      );
    }
    this.#target = functionRef(
      what,
      "target",
      target,
      moduleUrls(what, module),
    );
    this.#args = args;
    this.#name = name;
    this.#exited = new Promise((resolve) => this.#resolveExited = resolve);
  }

  /** The process name. */
  get name(): string {
    return this.#name;
  }

  /** The worker's pid once started (unique within this OS process), else `null`. */
  get pid(): number | null {
    return this.#pid;
  }

  /** `null` while running or before start; then 0, 1, the code passed to `exit`, or -15. */
  get exitCode(): number | null {
    return this.#exitCode;
  }

  /** Whether the process has started and not yet ended. */
  isAlive(): boolean {
    return this.#worker !== null && this.#exitCode === null;
  }

  /**
   * Starts the worker and runs the target there.
   *
   * @throws {ProcessError} If the process was already started.
   * @throws {TypeError} If an argument cannot be sent to a worker.
   */
  start(): void {
    checkNotImporting(`start process "${this.#name}"`);
    if (this.#worker !== null) {
      throw new ProcessError(
        `Cannot start process "${this.#name}": it was already started (pid ${this.#pid})`,
      );
    }
    const pid = nextPid();
    const message: RunProcess = {
      type: "process",
      identity: { pid, name: this.#name, pids: identity().pids },
      target: this.#target,
      args: encode(this.#args) as unknown[],
    };
    const worker = runtime.spawn(WORKER_URL, {
      message() {},
      exit: (code) => this.#finish(code),
    });
    try {
      worker.postMessage(message);
    } catch (error) {
      void worker.terminate();
      throw new TypeError(
        `Cannot start process "${this.#name}": ${
          uncloneable(this.#args)
        } could not be sent to a worker`,
        { cause: error },
      );
    }
    this.#worker = worker;
    this.#pid = pid;
    children.add(this);
  }

  /**
   * Waits until the process ends, or until `timeoutMs` passes; check
   * {@linkcode Process.exitCode} to tell which.
   *
   * @throws {ProcessError} If the process was never started.
   */
  async join(timeoutMs?: number): Promise<void> {
    const timeout = checkTimeout(`join process "${this.#name}"`, timeoutMs);
    if (this.#worker === null) {
      throw new ProcessError(
        `Cannot join process "${this.#name}": it has not been started`,
      );
    }
    await settlesWithin(this.#exited, timeout);
  }

  /**
   * Stops the worker at once, like Python's `terminate()`: exit code -15.
   * Resolves once its thread is gone. A no-op if the process is not alive.
   *
   * As in Python, this is a hard stop: `finally` blocks do not run, and a
   * lock, semaphore or condition the child held stays held, a queue or pipe
   * it was writing to can be left unusable, and its pending work is lost.
   * Terminate only children that hold no shared object, or let them finish.
   *
   * @throws {ProcessError} If the runtime has not stopped the thread within
   * 1 s; `isAlive()` then stays `true` until it does. Deno 2.9 cannot stop a
   * thread busy in JavaScript until that code returns to its event loop.
   */
  async terminate(): Promise<void> {
    if (!this.isAlive()) return;
    const worker = this.#worker!;
    this.#stopping ??= worker.terminate(GRACE_MS);
    if (await this.#stopping) return this.#finish(TERMINATED);
    void worker.gone.then(() => this.#finish(TERMINATED));
    throw new ProcessError(
      `Cannot terminate process "${this.#name}": the runtime has not stopped its thread after ${GRACE_MS} ms (Deno cannot stop a thread busy in JavaScript until that code returns to its event loop); isAlive() stays true until it stops`,
    );
  }

  #finish(code: number): void {
    if (this.#exitCode !== null) return;
    this.#exitCode = code;
    children.delete(this);
    this.#resolveExited();
  }
}

function uncloneable(args: unknown[]): string {
  for (let i = 0; i < args.length; i++) {
    try {
      structuredClone(encode(args[i]));
    } catch {
      return `args[${i}] (${describe(args[i])})`;
    }
  }
  return "an argument";
}

/**
 * The current thread's name and pid, like Python's `current_process()`.
 *
 * @example Usage
 * ```ts
 * import { currentProcess } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(currentProcess().name, "MainProcess");
 * ```
 */
export function currentProcess(): ProcessIdentity {
  const { name, pid } = identity();
  return { name, pid };
}

/**
 * Whether `meta` is the `import.meta` of the script run directly: Python's
 * `if __name__ == "__main__"`, on Deno, Bun and Node alike (Node 20 has no
 * `import.meta.main`). Always `false` in a worker, so a module listed in
 * `module` that guards its start-up code with it starts nothing when a
 * worker imports it for its exports.
 *
 * @param meta The calling module's `import.meta`.
 * @returns `true` only in the script's own module on the main thread.
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
export function isMain(meta: ModuleMeta): boolean {
  return runtime.isMainModule(meta);
}

/**
 * The processes this thread started that are still running.
 *
 * @example Usage
 * ```ts
 * import { activeChildren } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(activeChildren(), []);
 * ```
 */
export function activeChildren(): Process<never>[] {
  return [...children];
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
