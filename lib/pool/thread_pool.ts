/**
 * `ThreadPool`: Python's `multiprocessing.pool.ThreadPool` — the `Pool` API
 * running tasks concurrently on this thread's event loop, at most
 * `processes` at a time, with no workers to start.
 *
 * @module
 */
import { ImapJob } from "./_imap.ts";
import { JobSet, ResultJob } from "./_jobs.ts";
import {
  APPLY_ASYNC_OPTIONS,
  argsOf,
  callbacks,
  checkLazyItems,
  checkSignal,
  eachChunk,
  imapChunksize,
  itemsOf,
  MAP_ASYNC_OPTIONS,
  MAP_OPTIONS,
  mapChunksize,
} from "./_options.ts";
import {
  APPLY_HOOK,
  CLOSE,
  IMAP_CHUNKS_PER_WORKER,
  IMAP_HOOK,
  MAP_HOOK,
  RUN,
  TERMINATE,
} from "./_hooks.ts";
import { BasePool } from "./base_pool.ts";
import { ThreadRunner } from "./_thread_runner.ts";
import { CALL, ITEM, MAP, STARMAP } from "../_core/protocol.ts";
import { describe, optionsObject, positiveInteger } from "../_core/validate.ts";
import { AsyncResult } from "./async_result.ts";
import { ProcessError } from "../errors.ts";
import { getLogger } from "../logging.ts";
import { cpuCount } from "../current_process.ts";
import type {
  ApplyAsyncOptions,
  ImapOptions,
  MapAsyncOptions,
} from "./pool.ts";

/** Options of {@linkcode ThreadPool}. */
export interface ThreadPoolOptions {
  /** How many calls may be in flight at once. @default cpuCount() */
  processes?: number;
  /** Runs once per slot (Python: once per thread) before its first task. @default undefined */
  initializer?: (...args: never[]) => unknown;
  /** Arguments for `initializer`, passed as they are. @default [] */
  initargs?: unknown[];
}

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

const THREAD_POOL_OPTIONS = ["processes", "initializer", "initargs"];
/**
 * Python's `ThreadPool`: the {@linkcode Pool} API, but tasks are plain calls
 * on this thread's event loop, at most `processes` in flight. What
 * I/O-bound work (downloads, database calls) wants: nothing starts, nothing
 * is copied, and functions may be closures or `async`. Synchronous
 * CPU-bound functions gain nothing here (use {@linkcode Pool}); a long run
 * of them still lets timers and I/O in every few milliseconds.
 *
 * A running call cannot be stopped: `terminate()` and an aborted `signal`
 * reject at once and drop queued work, and the call's result is ignored.
 *
 * @example Usage
 * ```ts
 * import { ThreadPool } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using pool = new ThreadPool(4);
 * const fetchLength = async (path: string) => {
 *   await new Promise((resolve) => setTimeout(resolve, 10)); // like fetch()
 *   return path.length;
 * };
 * assert.deepEqual(await pool.map(fetchLength, ["/", "/about"]), [1, 6]);
 * assert.equal(await pool.applyAsync((a: number, b: number) => a + b, [2, 3]), 5);
 * ```
 */
export class ThreadPool extends BasePool {
  #processes: number;
  #runner: ThreadRunner;
  #state = RUN;
  /** Every job is listed, so that terminate() reaches it: no dispatcher holds tasks. */
  #jobs = new JobSet(() => {});

  /**
   * Creates the pool; its slots run `initializer` at once.
   *
   * @param processes How many calls may run at once; by default {@linkcode cpuCount}.
   * @param options See {@linkcode ThreadPoolOptions}.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   * @throws {RangeError} If `processes` is not an integer of at least 1.
   */
  constructor(processes?: number | null, options?: ThreadPoolOptions);
  /**
   * Creates the pool; `options.processes` says how many calls may run at once.
   *
   * @param options See {@linkcode ThreadPoolOptions}.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   * @throws {RangeError} If `processes` is not an integer of at least 1.
   */
  constructor(options?: ThreadPoolOptions);
  constructor(
    first?: number | null | ThreadPoolOptions,
    second?: ThreadPoolOptions,
  ) {
    super();
    const what = "create ThreadPool";
    const byNumber = typeof first !== "object" || first === null;
    const options = optionsObject(
      what,
      byNumber ? second : first,
      THREAD_POOL_OPTIONS,
    );
    const processes = (byNumber ? first : undefined) ?? options.processes;
    this.#processes = processes === undefined || processes === null
      ? cpuCount()
      : positiveInteger(what, "processes", processes);
    const { initializer, initargs = [] } = options;
    if (initializer !== undefined) {
      checkFunction(what, "initializer", initializer);
    }
    if (!globalThis.Array.isArray(initargs)) {
      throw new TypeError(
        `Cannot ${what}: "initargs" must be an array, received ${
          describe(initargs)
        }`,
      );
    }
    this.#runner = new ThreadRunner(
      this.#processes,
      initializer === undefined
        ? null
        : () => (initializer as AnyFunction)(...initargs),
    );
  }

  /** Accepts no more work; what was submitted still runs. */
  close(): void {
    getLogger().debug("closing pool");
    if (this.#state === RUN) this.#state = CLOSE;
  }

  /**
   * Waits until all submitted work is done and no call is running.
   *
   * @throws {ProcessError} If the pool is still running (call `close()` or
   * `terminate()` first).
   */
  async join(): Promise<void> {
    getLogger().debug("joining pool");
    if (this.#state === RUN) {
      throw new ProcessError(
        "Cannot join pool: it is still running, call close() or terminate() first",
      );
    }
    await this.#jobs.drained();
    await this.#runner.idle();
  }

  /**
   * Rejects pending work with a `ProcessError` and drops queued tasks.
   * Calls already running go on (nothing can stop them), but their results
   * are ignored; this does not wait for them (`join()` does).
   */
  terminate(): Promise<void> {
    getLogger().debug("terminating pool");
    this.#state = TERMINATE;
    this.#runner.clear();
    this.#jobs.abortAll(
      new ProcessError("Cannot finish task: the pool was terminated"),
      [],
    );
    return Promise.resolve();
  }

  #start(what: string, fn: unknown): AnyFunction {
    if (this.#state !== RUN) throw new ProcessError("Pool not running");
    return checkFunction(what, "fn", fn);
  }

  /** @ignore */
  protected override [MAP_HOOK]<R>(
    what: string,
    kind: typeof MAP | typeof STARMAP,
    fn: (...args: never[]) => R,
    iterable: Iterable<unknown>,
    options: MapAsyncOptions<Awaited<R>[]> | undefined,
    known: readonly string[] = MAP_ASYNC_OPTIONS,
  ): AsyncResult<Awaited<R>[]> {
    const opts = optionsObject(what, options, known);
    const call = this.#start(what, fn);
    const items = itemsOf(what, iterable, kind === STARMAP);
    const chunksize = mapChunksize(
      what,
      opts.chunksize,
      items.length,
      this.#processes,
    );
    const result = new AsyncResult(callbacks(what, opts));
    const job = new ResultJob(
      result,
      items.length,
      chunksize,
      this.#jobs.onDone,
    );
    if (job.done || !this.#jobs.track(job, checkSignal(what, opts), true)) {
      return result;
    }
    eachChunk(items, chunksize, kind, (i, _start, task, payload) => {
      this.#runner.submit(job, i, call, task, payload);
    });
    return result;
  }

  /** @ignore */
  protected override [APPLY_HOOK]<R>(
    what: string,
    fn: unknown,
    args: unknown[] | undefined,
    options: ApplyAsyncOptions<Awaited<R>> | undefined,
    known: readonly string[] = APPLY_ASYNC_OPTIONS,
  ): AsyncResult<Awaited<R>> {
    const opts = optionsObject(what, options, known);
    const call = this.#start(what, fn);
    const list = argsOf(what, args);
    const result = new AsyncResult(callbacks(what, opts));
    const job = new ResultJob(result, -1, 1, this.#jobs.onDone);
    if (this.#jobs.track(job, checkSignal(what, opts), true)) {
      this.#runner.submit(job, 0, call, CALL, list);
    }
    return result;
  }

  /** @ignore */
  protected override [IMAP_HOOK]<R>(
    what: string,
    ordered: boolean,
    fn: (...args: never[]) => R,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    options: ImapOptions | undefined,
  ): AsyncIterableIterator<Awaited<R>> {
    const opts = optionsObject(what, options, MAP_OPTIONS);
    const call = this.#start(what, fn);
    checkLazyItems(what, iterable);
    const chunksize = imapChunksize(what, opts.chunksize);
    const job = new ImapJob<Awaited<R>>(
      iterable,
      (job, index, _start, items) =>
        this.#runner.submit(
          job,
          index,
          call,
          chunksize === 1 ? ITEM : MAP,
          chunksize === 1 ? items[0] : items,
        ),
      {
        chunksize,
        ordered,
        limit: IMAP_CHUNKS_PER_WORKER * this.#processes,
        onDone: this.#jobs.onDone,
      },
    );
    if (this.#jobs.track(job, checkSignal(what, opts), true)) job.start();
    return job;
  }
}

function checkFunction(what: string, name: string, fn: unknown): AnyFunction {
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot ${what}: "${name}" must be a function, received ${describe(fn)}`,
    );
  }
  return fn as AnyFunction;
}
