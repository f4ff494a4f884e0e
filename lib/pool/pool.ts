/**
 * `Pool`: Python's worker pool — `map`, `imap`, `applyAsync` and friends —
 * over worker threads, with batched dispatch.
 *
 * @module
 */
import { encode } from "../_core/codec.ts";
import { Dispatcher } from "./_dispatch.ts";
import { checkNotImporting, functionRef } from "../_core/function_ref.ts";
import { ImapJob } from "./_imap.ts";
import { allNumbers, chunkOf } from "./_numbers.ts";
import { JobSet, ResultJob } from "./_jobs.ts";
import {
  APPLY_ASYNC_OPTIONS,
  APPLY_OPTIONS,
  callbacks,
  checkSignal,
  isIterable,
  itemsOf,
  MAP_ASYNC_OPTIONS,
  MAP_OPTIONS,
  parsePoolOptions,
} from "./_options.ts";
import { CALL, ITEM, MAP, STARMAP } from "../_core/protocol.ts";
import { describe, optionsObject, positiveInteger } from "../_core/validate.ts";
import { AsyncResult, type AsyncResultCallbacks } from "./async_result.ts";
import {
  type DropState,
  KEEPER,
  Keeper,
  unwatchDrop,
  watchDrop,
} from "./_keepalive.ts";
import type {
  ApplyAsyncOptions,
  ImapOptions,
  MapAsyncOptions,
  MapOptions,
  PoolOptions,
  SubmitOptions,
} from "./options.ts";
import { ProcessError } from "../errors.ts";

export type {
  ApplyAsyncOptions,
  ImapOptions,
  MapAsyncOptions,
  MapOptions,
  PoolOptions,
  SubmitOptions,
};

/** imap keeps at most this many chunks per worker in flight or unread. */
const IMAP_CHUNKS_PER_WORKER = 16;

const RUN = 0;
const CLOSE = 1;
const TERMINATE = 2;

/**
 * A pool of worker threads, like Python's `multiprocessing.Pool`. A script
 * that never closes its pool still exits: idle workers do not keep it alive.
 * A pool dropped while running (it and every result it owes unreachable) is
 * garbage-collected and its workers terminated, with a warning: call
 * `close()` and `join()` when done, or use `await using`.
 *
 * @example Usage
 * ```ts
 * import { Pool } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const pool = new Pool(2);
 * assert.deepEqual(await pool.map((x: number) => x * x, [1, 2, 3]), [1, 4, 9]);
 * assert.equal(await pool.applyAsync((a: number, b: number) => a + b, [2, 3]).get(), 5);
 * pool.close();
 * await pool.join();
 * ```
 */
export class Pool {
  #processes: number;
  #modules: string[];
  #dispatcher: Dispatcher;
  #state = RUN;
  #fnIds = new WeakMap<object, number>();
  #jobs: JobSet;
  #drop: DropState;
  #keeper = new Keeper(this);
  #terminated: Promise<void> | null = null;
  #closed: Promise<void> | null = null;

  /**
   * Starts the workers.
   *
   * @param processes How many workers; by default {@linkcode cpuCount}.
   * @param options See {@linkcode PoolOptions}.
   * @throws {TypeError} If an option is unknown or of the wrong type, or
   * `initargs` cannot be sent to a worker.
   * @throws {RangeError} If `processes` or `maxtasksperchild` is not an
   * integer of at least 1.
   */
  constructor(processes?: number | null, options?: PoolOptions);
  /**
   * Starts the workers; `options.processes` says how many.
   *
   * @param options See {@linkcode PoolOptions}.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   * @throws {RangeError} If `processes` or `maxtasksperchild` is not an
   * integer of at least 1.
   */
  constructor(options?: PoolOptions);
  constructor(
    first?: number | null | PoolOptions,
    second?: PoolOptions,
  ) {
    checkNotImporting("create Pool");
    const parsed = parsePoolOptions(first, second);
    this.#processes = parsed.processes;
    this.#modules = parsed.modules;
    const dispatcher = new Dispatcher(parsed);
    this.#dispatcher = dispatcher;
    this.#jobs = new JobSet((job) => dispatcher.stop(job));
    this.#drop = watchDrop(this, dispatcher.handles, this.#processes);
  }

  /**
   * Calls `fn` on every item and resolves with the results in input order.
   *
   * @param fn Runs in a worker; see "How a function reaches a worker".
   * @param iterable The items; read at once, like Python's `map`.
   * @param options `chunksize` and `signal`.
   * @returns The results, in input order.
   * @throws {ProcessError} "Pool not running" after `close()` or `terminate()`.
   * @throws {TypeError} If `fn`, `iterable` or an option is of the wrong type.
   */
  async map<T, R>(
    fn: (item: T) => R,
    iterable: Iterable<T>,
    options?: MapOptions,
  ): Promise<Awaited<R>[]> {
    return await this.#mapAsync("map", MAP, fn, iterable, options, MAP_OPTIONS);
  }

  /**
   * Like {@linkcode Pool.map}, but returns an {@linkcode AsyncResult} at once.
   *
   * @param fn Runs in a worker.
   * @param iterable The items.
   * @param options `chunksize`, `signal`, `callback`, `errorCallback`.
   * @returns The eventual results, in input order.
   * @throws {ProcessError} "Pool not running" after `close()` or `terminate()`.
   * @throws {TypeError} If an argument or option is of the wrong type.
   */
  mapAsync<T, R>(
    fn: (item: T) => R,
    iterable: Iterable<T>,
    options?: MapAsyncOptions<Awaited<R>[]>,
  ): AsyncResult<Awaited<R>[]> {
    return this.#mapAsync("mapAsync", MAP, fn, iterable, options);
  }

  /**
   * Like {@linkcode Pool.map}, but each item is an argument list: `fn(...item)`.
   *
   * @param fn Runs in a worker.
   * @param iterable Argument lists.
   * @param options `chunksize` and `signal`.
   * @returns The results, in input order.
   * @throws {ProcessError} "Pool not running" after `close()` or `terminate()`.
   * @throws {TypeError} If an item is not an array, or another argument is of the wrong type.
   */
  async starmap<A extends unknown[], R>(
    fn: (...args: A) => R,
    iterable: Iterable<A>,
    options?: MapOptions,
  ): Promise<Awaited<R>[]> {
    return await this.#mapAsync(
      "starmap",
      STARMAP,
      fn as (...args: unknown[]) => R,
      iterable,
      options,
      MAP_OPTIONS,
    );
  }

  /**
   * Like {@linkcode Pool.starmap}, but returns an {@linkcode AsyncResult} at once.
   *
   * @param fn Runs in a worker.
   * @param iterable Argument lists.
   * @param options `chunksize`, `signal`, `callback`, `errorCallback`.
   * @returns The eventual results, in input order.
   * @throws {ProcessError} "Pool not running" after `close()` or `terminate()`.
   * @throws {TypeError} If an item is not an array, or another argument is of the wrong type.
   */
  starmapAsync<A extends unknown[], R>(
    fn: (...args: A) => R,
    iterable: Iterable<A>,
    options?: MapAsyncOptions<Awaited<R>[]>,
  ): AsyncResult<Awaited<R>[]> {
    return this.#mapAsync(
      "starmapAsync",
      STARMAP,
      fn as (...args: unknown[]) => R,
      iterable,
      options,
    );
  }

  /**
   * Calls `fn` on every item lazily and yields the results in input order.
   * Accepts any iterable or async iterable, even an infinite one: input is
   * pulled only while few chunks are in flight or unread.
   *
   * @param fn Runs in a worker.
   * @param iterable The items.
   * @param options `chunksize` (default 1) and `signal`.
   * @returns An async iterator of the results; a failed chunk rejects its `next()`.
   * @throws {ProcessError} "Pool not running" after `close()` or `terminate()`.
   * @throws {TypeError} If an argument or option is of the wrong type.
   */
  imap<T, R>(
    fn: (item: T) => R,
    iterable: Iterable<T> | AsyncIterable<T>,
    options?: ImapOptions,
  ): AsyncIterableIterator<Awaited<R>> {
    return this.#imap("imap", true, fn, iterable, options);
  }

  /**
   * Like {@linkcode Pool.imap}, but yields results as they finish.
   *
   * @param fn Runs in a worker.
   * @param iterable The items.
   * @param options `chunksize` (default 1) and `signal`.
   * @returns An async iterator of the results in completion order.
   * @throws {ProcessError} "Pool not running" after `close()` or `terminate()`.
   * @throws {TypeError} If an argument or option is of the wrong type.
   */
  imapUnordered<T, R>(
    fn: (item: T) => R,
    iterable: Iterable<T> | AsyncIterable<T>,
    options?: ImapOptions,
  ): AsyncIterableIterator<Awaited<R>> {
    return this.#imap("imapUnordered", false, fn, iterable, options);
  }

  /**
   * Calls `fn(...args)` in a worker and resolves with its result.
   *
   * @param fn Runs in a worker.
   * @param args Its arguments; shareable objects arrive live.
   * @param options `signal`.
   * @returns The result.
   * @throws {ProcessError} "Pool not running" after `close()` or `terminate()`.
   * @throws {TypeError} If an argument cannot be sent to a worker.
   */
  async apply<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options?: SubmitOptions,
  ): Promise<Awaited<R>> {
    return await this.#applyAsync<R>("apply", fn, args, options, APPLY_OPTIONS);
  }

  /**
   * Calls `fn(...args)` in a worker; returns an {@linkcode AsyncResult} at once.
   *
   * @param fn Runs in a worker.
   * @param args Its arguments; shareable objects arrive live.
   * @param options `signal`, `callback`, `errorCallback`.
   * @returns The eventual result; it rejects with a `TypeError` if an
   * argument cannot be sent to a worker.
   * @throws {ProcessError} "Pool not running" after `close()` or `terminate()`.
   */
  applyAsync<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options?: ApplyAsyncOptions<Awaited<R>>,
  ): AsyncResult<Awaited<R>> {
    return this.#applyAsync<R>("applyAsync", fn, args, options);
  }

  /** Accepts no more work; the workers exit once what was submitted is done. */
  close(): void {
    if (this.#state !== RUN) return;
    this.#state = CLOSE;
    this.#drop.closed = true;
    this.#closed = this.#jobs.drained().then(() => this.#dispatcher.close());
  }

  /**
   * Waits until every task submitted has finished (a running `initializer`
   * included) and every worker has exited. Like Python's, it never stops
   * work: only {@linkcode Pool.terminate} does.
   *
   * @throws {ProcessError} If the pool is still running (call `close()` or
   * `terminate()` first).
   */
  async join(): Promise<void> {
    if (this.#state === RUN) {
      throw new ProcessError(
        "Cannot join pool: it is still running, call close() or terminate() first",
      );
    }
    await (this.#terminated ?? this.#closed);
  }

  /**
   * Stops every worker at once, running tasks included; pending work rejects
   * with a `ProcessError`. Resolves once every worker is gone.
   */
  terminate(): Promise<void> {
    unwatchDrop(this);
    this.#state = TERMINATE;
    this.#jobs.abortAll(
      new ProcessError("Cannot finish task: the pool was terminated"),
      this.#dispatcher.pendingJobs(),
    );
    return this.#terminated ??= this.#dispatcher.terminate();
  }

  /** Terminates the pool, like leaving Python's `with Pool() as pool:`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }

  /** A result that keeps this pool alive (see `_keepalive.ts`). */
  #result<R>(
    what: string,
    options: AsyncResultCallbacks<R>,
  ): AsyncResult<R> {
    const { callback, errorCallback } = callbacks(what, options);
    return new AsyncResult({
      callback,
      errorCallback,
      [KEEPER]: this.#keeper,
    } as AsyncResultCallbacks<R>);
  }

  #running(): void {
    if (this.#state !== RUN) throw new ProcessError("Pool not running");
  }

  #fnId(what: string, fn: unknown): number {
    // Reading a function's source and hashing it costs more than a task.
    let id = this.#fnIds.get(fn as object);
    if (id === undefined) {
      id = this.#dispatcher.fnId(functionRef(what, "fn", fn, this.#modules));
      this.#fnIds.set(fn as object, id);
    }
    return id;
  }

  #mapAsync<R>(
    what: string,
    kind: typeof MAP | typeof STARMAP,
    fn: (...args: never[]) => R,
    iterable: Iterable<unknown>,
    options: MapAsyncOptions<Awaited<R>[]> | undefined,
    known: readonly string[] = MAP_ASYNC_OPTIONS,
  ): AsyncResult<Awaited<R>[]> {
    const opts = optionsObject(what, options, known);
    this.#running();
    const fnId = this.#fnId(what, fn);
    const items = itemsOf(what, iterable, kind === STARMAP);
    const chunksize = opts.chunksize === undefined
      ? Math.max(1, Math.ceil(items.length / (4 * this.#processes)))
      : positiveInteger(what, "chunksize", opts.chunksize);
    const result = this.#result(what, opts);
    const job = new ResultJob(
      result,
      items.length,
      chunksize,
      this.#jobs.onDone,
    );
    if (job.done || !this.#jobs.track(job, checkSignal(what, opts))) {
      return result;
    }
    const dispatcher = this.#dispatcher;
    if (chunksize === 1) {
      const single = kind === MAP ? ITEM : CALL;
      for (let i = 0; i < items.length; i++) {
        dispatcher.submit(job, i, i, fnId, single, encode(items[i]));
      }
    } else {
      const numbers = kind === MAP && allNumbers(items);
      for (let i = 0, start = 0; start < items.length; i++) {
        const chunk = chunkOf(items, start, start + chunksize, numbers);
        dispatcher.submit(job, i, start, fnId, kind, encode(chunk));
        start += chunksize;
      }
    }
    return result;
  }

  #applyAsync<R>(
    what: string,
    fn: unknown,
    args: unknown[] | undefined,
    options: ApplyAsyncOptions<Awaited<R>> | undefined,
    known: readonly string[] = APPLY_ASYNC_OPTIONS,
  ): AsyncResult<Awaited<R>> {
    const opts = optionsObject(what, options, known);
    this.#running();
    const fnId = this.#fnId(what, fn);
    if (args === undefined) args = [];
    else if (!globalThis.Array.isArray(args)) {
      throw new TypeError(
        `Cannot ${what}: "args" must be an array, received ${describe(args)}`,
      );
    }
    const result = this.#result(what, opts);
    const job = new ResultJob(result, -1, 1, this.#jobs.onDone);
    if (this.#jobs.track(job, checkSignal(what, opts))) {
      this.#dispatcher.submit(job, 0, -1, fnId, CALL, encode(args));
    }
    return result;
  }

  #imap<R>(
    what: string,
    ordered: boolean,
    fn: (...args: never[]) => R,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    options: ImapOptions | undefined,
  ): AsyncIterableIterator<Awaited<R>> {
    const opts = optionsObject(what, options, MAP_OPTIONS);
    this.#running();
    const fnId = this.#fnId(what, fn);
    if (
      !isIterable(iterable, Symbol.iterator) &&
      !isIterable(iterable, Symbol.asyncIterator)
    ) {
      throw new TypeError(
        `Cannot ${what}: "iterable" must be iterable or async iterable, received ${
          describe(iterable)
        }`,
      );
    }
    const chunksize = opts.chunksize === undefined
      ? 1
      : positiveInteger(what, "chunksize", opts.chunksize);
    const job: ImapJob<Awaited<R>> = new ImapJob<Awaited<R>>(
      iterable,
      (job, index, start, items) =>
        this.#dispatcher.submit(
          job,
          index,
          start,
          fnId,
          chunksize === 1 ? ITEM : MAP,
          encode(chunksize === 1 ? items[0] : items),
        ),
      {
        chunksize,
        ordered,
        limit: IMAP_CHUNKS_PER_WORKER * this.#processes,
        onDone: this.#jobs.onDone,
        keeper: this.#keeper,
      },
    );
    if (this.#jobs.track(job, checkSignal(what, opts), true)) job.start();
    return job;
  }
}
