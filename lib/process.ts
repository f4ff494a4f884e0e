/**
 * `Process`: run a function in a worker thread, Python style.
 *
 * @module
 */
import { runtime, type WorkerHandle } from "./_runtime/mod.ts";
import { encode } from "./_core/codec.ts";
import { identity, nextPid, WORKER_URL } from "./_core/identity.ts";
import {
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

  /** Stops the worker at once; resolves when it is gone. Exit code -15. */
  async terminate(): Promise<void> {
    if (!this.isAlive()) return;
    await this.#worker!.terminate();
    this.#finish(TERMINATED);
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
