// The engine of a ThreadPool: a FIFO of tasks run as async calls on this
// thread, at most `slots` at a time, each slot having run the initializer
// first. Calls that never await would starve timers and I/O, so every few
// milliseconds all slots pause together for one macrotask.
import type { Job } from "./_jobs.ts";
import { CALL, ITEM, MAP } from "../_core/protocol.ts";

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** One call, or chunk of calls, of a job's function. */
interface Task {
  readonly job: Job;
  readonly index: number;
  readonly fn: AnyFunction;
  /** CALL, ITEM, MAP or STARMAP, as in the worker protocol. */
  readonly kind: number;
  readonly payload: unknown;
}

/** How long calls may run back to back before the event loop gets a turn. */
const SLICE_MS = 8;

/** Runs tasks on this thread with bounded concurrency. */
export class ThreadRunner {
  #queue: (Task | undefined)[] = [];
  #head = 0;
  #free: number[] = [];
  #ready: Promise<{ error: unknown } | null>[] = [];
  #active = 0;
  #idle: (() => void)[] = [];
  #since = performance.now();
  #pause: Promise<void> | null = null;

  /** `slots` calls at most in flight; each slot runs `init` before its first. */
  constructor(slots: number, init: (() => unknown) | null) {
    for (let slot = slots - 1; slot >= 0; slot--) {
      this.#free.push(slot);
      // Like a Python pool thread: initialize at start, once per slot. A
      // failing initializer fails every task of its slot with its error.
      this.#ready[slot] = init === null
        ? Promise.resolve(null)
        : Promise.resolve().then(init).then(() => null, (error) => ({ error }));
    }
  }

  /** Queues a task; it starts when a slot is free. */
  submit(
    job: Job,
    index: number,
    fn: AnyFunction,
    kind: number,
    payload: unknown,
  ): void {
    this.#queue.push({ job, index, fn, kind, payload });
    this.#fill();
  }

  /** Drops every queued task (their jobs are settled by the caller). */
  clear(): void {
    this.#queue = [];
    this.#head = 0;
  }

  /** Resolves once no call is in flight and none is queued. */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#head === this.#queue.length) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #fill(): void {
    while (this.#free.length > 0 && this.#head < this.#queue.length) {
      const task = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined;
      if (task.job.done) continue;
      this.#active++;
      void this.#run(this.#free.pop()!, task);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }

  async #run(slot: number, task: Task): Promise<void> {
    // Always started from a microtask: a call never runs inside submit().
    const failed = await this.#ready[slot];
    const { job, index } = task;
    if (failed !== null) job.rejectTask(index, failed.error);
    else {
      try {
        let value = this.#call(task);
        if (isThenable(value)) value = await value;
        if (!job.done) job.resolveTask(index, value);
      } catch (error) {
        if (!job.done) job.rejectTask(index, error);
      }
    }
    this.#active--;
    this.#free.push(slot);
    // Always one await: a synchronous task must not start the next one
    // from inside itself (100k of them would overflow the stack).
    await this.#breathe();
    this.#fill();
    if (this.#active === 0 && this.#head === this.#queue.length) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** Runs a task; returns a Promise only when something had to be awaited. */
  #call({ job, fn, kind, payload }: Task): unknown {
    if (kind === CALL) return fn(...payload as unknown[]);
    if (kind === ITEM) return fn(payload);
    const items = payload as unknown[];
    const results = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const result = kind === MAP ? fn(items[i]) : fn(...items[i] as unknown[]);
      // Synchronous results are stored without a trip through the
      // microtask queue; the first promise (or pause) hands over.
      if (isThenable(result) || this.#breathe() !== undefined) {
        return this.#finishChunk(job, fn, kind, items, results, i, result);
      }
      results[i] = result;
    }
    return results;
  }

  async #finishChunk(
    job: Job,
    fn: AnyFunction,
    kind: number,
    items: unknown[],
    results: unknown[],
    from: number,
    pending: unknown,
  ): Promise<unknown[]> {
    results[from] = await pending;
    for (let i = from + 1; i < items.length && !job.done; i++) {
      await this.#breathe();
      results[i] =
        await (kind === MAP ? fn(items[i]) : fn(...items[i] as unknown[]));
    }
    return results;
  }

  /** Every SLICE_MS of back-to-back calls, waits one macrotask (all slots). */
  #breathe(): Promise<void> | undefined {
    if (this.#pause !== null) return this.#pause;
    if (performance.now() - this.#since < SLICE_MS) return undefined;
    return this.#pause = new Promise((resolve) =>
      setTimeout(() => {
        this.#pause = null;
        this.#since = performance.now();
        resolve();
      }, 0)
    );
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
