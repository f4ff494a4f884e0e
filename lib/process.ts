/**
 * `Process`: run a function in a worker thread, Python style.
 *
 * @module
 */
import { runtime, type WorkerHandle } from "./_runtime/mod.ts";
import { encode } from "./_core/codec.ts";
import {
  childIdentity,
  identity,
  nextPid,
  WORKER_URL,
} from "./_core/identity.ts";
import { checkNotImporting, functionRef } from "./_core/function_ref.ts";
import type { RunProcess } from "./_core/protocol.ts";
import { describe } from "./_core/validate.ts";
import { ProcessError } from "./errors.ts";
import { threadExited } from "./_core/thread_exit.ts";
import { checkTimeout, settlesWithin } from "./_core/timeout.ts";
import {
  checkDaemon,
  checkProcessOptions,
  uncloneable,
} from "./_process_checks.ts";
import type { ProcessOptions } from "./process_options.ts";

export type { ProcessOptions };
/** Python reports a terminated child's exit code as -SIGTERM... */
const TERMINATED = -15;
/** ...and a killed one as -SIGKILL. */
const KILLED = -9;
/** How long `terminate()` waits for the runtime to stop the thread, in ms. */
const GRACE_MS = 1000;

const children = new Set<Process<never>>();
let created = 0;

/**
 * A function running in its own worker thread, like Python's
 * `multiprocessing.Process`. Exit codes are Python's: 0 on success, 1 when
 * the target throws (its stack goes to stderr), the code passed to
 * `process.exit()`, -15 after `terminate()`, -9 after `kill()`.
 *
 * A subclass may override {@linkcode Process.run} instead of passing a
 * `target`: export the class from a module listed in `module`; the worker
 * imports it, and the instance's own fields travel as data.
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
  // Untyped, so that a Process<A> is a Process<never> (activeChildren()).
  // deno-lint-ignore no-explicit-any
  #target: ((...args: any[]) => unknown) | null;
  #args: unknown[];
  #name: string;
  #modules: string[];
  #daemon: boolean;
  #authkey: Uint8Array;
  #pid: number | null = null;
  #exitCode: number | null = null;
  #worker: WorkerHandle | null = null;
  #stopping: Promise<boolean> | null = null;
  #closed = false;
  #joiners = 0;
  #exited: Promise<void>;
  #resolveExited!: () => void;

  /**
   * Describes a process; nothing runs until {@linkcode Process.start}.
   *
   * @throws {TypeError} If `target` is not a function with source text (or
   * is missing and `run()` is not overridden), or an option is unknown or of
   * the wrong type.
   */
  constructor(options: ProcessOptions<A>) {
    const overridden = new.target.prototype.run !== Process.prototype.run;
    const { target, args, name, modules, daemon } = checkProcessOptions(
      options,
      overridden,
      () => `Process-${++created}`,
    );
    this.#modules = modules;
    this.#target = target ?? null;
    this.#args = args;
    this.#name = name;
    this.#daemon = daemon;
    this.#authkey = identity().authkey!;
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

  /**
   * Whether this is a daemon: stopped when its parent ends instead of being
   * waited for, and not allowed to start children. Set it before `start()`.
   *
   * @throws {ProcessError} On setting it after `start()`.
   * @throws {TypeError} If the value is not a boolean.
   */
  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(value: boolean) {
    const what = `set daemon of process "${this.#name}"`;
    if (this.#worker !== null) {
      throw new ProcessError(`Cannot ${what}: it was already started`);
    }
    checkDaemon(what, value);
    this.#daemon = value;
  }

  /** The authentication key the child inherits; this thread's by default. */
  get authkey(): Uint8Array {
    return this.#authkey;
  }

  set authkey(value: Uint8Array) {
    if (!(value instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot set authkey of process "${this.#name}": it must be a Uint8Array, received ${
          describe(value)
        }`,
      );
    }
    this.#authkey = value;
  }

  /**
   * `null` while running or before start; then 0, 1, the code passed to
   * `exit`, -15 after `terminate()` or -9 after `kill()`.
   *
   * @throws {ProcessError} After `close()`.
   */
  get exitCode(): number | null {
    this.#checkOpen("get the exit code of");
    return this.#exitCode;
  }

  /**
   * A promise that resolves when the child has ended (Python's `sentinel`):
   * `await Promise.race(ps.map((p) => p.sentinel))` waits for the first.
   *
   * @throws {ProcessError} Before `start()` or after `close()`.
   */
  get sentinel(): Promise<void> {
    this.#checkOpen("get the sentinel of");
    if (this.#worker === null) {
      throw new ProcessError(
        `Cannot get the sentinel of process "${this.#name}": it has not been started`,
      );
    }
    return this.#exited;
  }

  /**
   * Whether the process has started and not yet ended.
   *
   * @throws {ProcessError} After `close()`.
   */
  isAlive(): boolean {
    this.#checkOpen("check");
    return this.#worker !== null && this.#exitCode === null;
  }

  /**
   * What the process does: calls `target(...args)`. Runs in the worker after
   * `start()`; calling it directly runs it in this thread, as in Python.
   * Override it in a subclass instead of passing a `target`.
   */
  run(): unknown {
    return this.#target?.(...this.#args);
  }

  /**
   * Starts the worker and runs the target (or the subclass's `run()`) there.
   *
   * @throws {ProcessError} If the process was already started or closed,
   * this thread is a daemon, or this worker is still importing its task
   * modules (a missing `isMain(import.meta)` guard).
   * @throws {TypeError} If an argument or field cannot be sent to a worker,
   * or a subclass that overrides `run()` has no `module`.
   */
  start(): void {
    const what = `start process "${this.#name}"`;
    this.#checkOpen("start");
    checkNotImporting(what);
    if (this.#worker !== null) {
      throw new ProcessError(
        `Cannot ${what}: it was already started (pid ${this.#pid})`,
      );
    }
    const me = identity();
    if (me.daemon === true) {
      throw new ProcessError(
        `Cannot ${what}: "${me.name}" is a daemon (pool workers are), and daemons may not start children`,
      );
    }
    const pid = nextPid();
    const message: RunProcess = {
      type: "process",
      identity: childIdentity(pid, this.#name, this.#daemon, this.#authkey),
      ...this.#payload(what),
    };
    const worker = runtime.spawn(WORKER_URL, {
      message() {},
      exit: (code) => this.#finish(code),
    });
    try {
      worker.postMessage(message);
    } catch (error) {
      void worker.terminate(0);
      throw new TypeError(
        `Cannot ${what}: ${
          message.fields === null
            ? uncloneable(this.#args)
            : "a field of the instance"
        } could not be sent to a worker`,
        { cause: error },
      );
    }
    // A daemon does not keep its parent alive; it ends when the parent does.
    if (this.#daemon) worker.unref();
    this.#worker = worker;
    this.#pid = pid;
    children.add(this as unknown as Process<never>);
  }

  /** The target and its arguments, or the subclass and its own fields. */
  #payload(what: string): Pick<RunProcess, "target" | "args" | "fields"> {
    if (this.#target !== null) {
      return {
        target: functionRef(what, "target", this.#target, this.#modules),
        args: encode(this.#args) as unknown[],
        fields: null,
      };
    }
    const Class = this.constructor;
    if (this.#modules.length === 0) {
      throw new TypeError(
        `Cannot ${what}: a Process subclass that overrides run() goes to the worker by reference; export class ${Class.name} and pass { module: import.meta.url }`,
      );
    }
    return {
      target: functionRef(what, "class", Class, this.#modules),
      args: [],
      fields: encode({ ...this }) as Record<string, unknown>,
    };
  }

  /**
   * Waits until the process ends, or until `timeoutMs` passes; check
   * {@linkcode Process.exitCode} to tell which. Omitted or `Infinity`:
   * wait forever; negative: don't wait.
   *
   * @throws {ProcessError} If the process was never started, or is closed.
   */
  async join(timeoutMs?: number): Promise<void> {
    const timeout = checkTimeout(`join process "${this.#name}"`, timeoutMs);
    this.#checkOpen("join");
    if (this.#worker === null) {
      throw new ProcessError(
        `Cannot join process "${this.#name}": it has not been started`,
      );
    }
    // A daemon does not keep the program alive, but a join() waiting on it
    // must, as a blocking join() does in Python.
    const worker = this.#worker;
    if (this.#joiners++ === 0 && this.#daemon) worker.ref();
    try {
      await settlesWithin(this.#exited, timeout);
    } finally {
      if (--this.#joiners === 0 && this.#daemon) worker.unref();
    }
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
   * Also after `close()`.
   */
  terminate(): Promise<void> {
    return this.#stop("terminate", TERMINATED);
  }

  /**
   * Like {@linkcode Process.terminate} (the same hazards), with Python's
   * `kill()` exit code: -9.
   *
   * @throws {ProcessError} As `terminate()` does.
   */
  kill(): Promise<void> {
    return this.#stop("kill", KILLED);
  }

  /**
   * Releases the handle, like Python's `close()`; everything but `name`,
   * `pid`, `daemon` and `authkey` then throws. A second `close()` is a no-op.
   *
   * @throws {ProcessError} If the process is still running.
   */
  close(): void {
    if (this.#closed) return;
    if (this.#worker !== null && this.#exitCode === null) {
      throw new ProcessError(
        `Cannot close process "${this.#name}": it is still running, call join() or terminate() first`,
      );
    }
    this.#closed = true;
    this.#worker = null;
    this.#target = null;
    this.#args = [];
  }

  async #stop(verb: string, code: number): Promise<void> {
    this.#checkOpen(verb);
    if (!this.isAlive()) return;
    const worker = this.#worker!;
    this.#stopping ??= worker.terminate(GRACE_MS);
    if (await this.#stopping) return this.#finish(code);
    void worker.gone.then(() => this.#finish(code));
    throw new ProcessError(
      `Cannot ${verb} process "${this.#name}": the runtime has not stopped its thread after ${GRACE_MS} ms (Deno cannot stop a thread busy in JavaScript until that code returns to its event loop); isAlive() stays true until it stops`,
    );
  }

  #checkOpen(verb: string): void {
    if (this.#closed) {
      throw new ProcessError(
        `Cannot ${verb} process "${this.#name}": it is closed`,
      );
    }
  }

  #finish(code: number): void {
    if (this.#exitCode !== null) return;
    this.#exitCode = code;
    children.delete(this as unknown as Process<never>);
    threadExited(this.#pid!);
    this.#resolveExited();
  }
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
