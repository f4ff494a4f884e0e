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
import { packNumbers } from "./_numbers.ts";
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
  parsePoolOptions,
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
import { CALL, ITEM, MAP, STARMAP } from "../_core/protocol.ts";
import { optionsObject } from "../_core/validate.ts";
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
import { getLogger } from "../logging.ts";

export type {
  ApplyAsyncOptions,
  ImapOptions,
  MapAsyncOptions,
  MapOptions,
  PoolOptions,
  SubmitOptions,
};

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
export class Pool extends BasePool {
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
    super();
    const parsed = parsePoolOptions(first, second);
    this.#processes = parsed.processes;
    this.#modules = parsed.modules;
    const dispatcher = new Dispatcher(parsed);
    this.#dispatcher = dispatcher;
    this.#jobs = new JobSet((job) => dispatcher.stop(job));
    this.#drop = watchDrop(this, dispatcher.handles, this.#processes);
  }

  /** Accepts no more work; the workers exit once what was submitted is done. */
  close(): void {
    getLogger().debug("closing pool");
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
    getLogger().debug("joining pool");
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
    getLogger().debug("terminating pool");
    unwatchDrop(this);
    this.#state = TERMINATE;
    this.#jobs.abortAll(
      new ProcessError("Cannot finish task: the pool was terminated"),
      this.#dispatcher.pendingJobs(),
    );
    return this.#terminated ??= this.#dispatcher.terminate();
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
    this.#running();
    const fnId = this.#fnId(what, fn);
    const items = itemsOf(what, iterable, kind === STARMAP);
    const chunksize = mapChunksize(
      what,
      opts.chunksize,
      items.length,
      this.#processes,
    );
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
    eachChunk(items, chunksize, kind, (i, start, task, payload) => {
      if (task === MAP) payload = packNumbers(payload as unknown[]);
      dispatcher.submit(job, i, start, fnId, task, encode(payload));
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
    this.#running();
    const fnId = this.#fnId(what, fn);
    const list = argsOf(what, args);
    const result = this.#result(what, opts);
    const job = new ResultJob(result, -1, 1, this.#jobs.onDone);
    if (this.#jobs.track(job, checkSignal(what, opts))) {
      this.#dispatcher.submit(job, 0, -1, fnId, CALL, encode(list));
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
    this.#running();
    const fnId = this.#fnId(what, fn);
    checkLazyItems(what, iterable);
    const chunksize = imapChunksize(what, opts.chunksize);
    const job: ImapJob<Awaited<R>> = new ImapJob<Awaited<R>>(
      iterable,
      (job, index, start, items) =>
        this.#dispatcher.submit(
          job,
          index,
          start,
          fnId,
          chunksize === 1 ? ITEM : MAP,
          encode(chunksize === 1 ? items[0] : packNumbers(items)),
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
