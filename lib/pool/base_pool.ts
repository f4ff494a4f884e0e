/**
 * `BasePool`: the API that `Pool`, `ThreadPool` and `ClusterPool` share,
 * so code can take any of them.
 *
 * @module
 */
import { APPLY_HOOK, IMAP_HOOK, MAP_HOOK } from "./_hooks.ts";
import { APPLY_OPTIONS, MAP_OPTIONS } from "./_options.ts";
import { MAP, STARMAP } from "../_core/protocol.ts";
import type { AsyncResult } from "./async_result.ts";
import type {
  ApplyAsyncOptions,
  ImapOptions,
  MapAsyncOptions,
  MapOptions,
  SubmitOptions,
} from "./options.ts";

/**
 * Python's pool API — `map`, `starmap`, `imap`, `apply` and their async
 * forms — as `Pool` (worker threads), `ThreadPool` (this thread's event
 * loop) and `ClusterPool` (worker nodes on Redis) all
 * implement it. Each class says where `fn` runs and how it gets there.
 *
 * @example A function that takes any pool
 * ```ts
 * import { type BasePool, Pool, ThreadPool } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const squares = (pool: BasePool) => pool.map((x: number) => x * x, [1, 2, 3]);
 * await using threads = new ThreadPool(2);
 * assert.deepEqual(await squares(threads), [1, 4, 9]);
 * await using workers = new Pool(2);
 * assert.deepEqual(await squares(workers), [1, 4, 9]);
 * ```
 */
export abstract class BasePool {
  /**
   * Calls `fn` on every item and resolves with the results in input order.
   *
   * @param fn The task function; see the pool's class for where it runs.
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
    // `get()` is a promise: awaiting it takes fewer microtasks than the
    // AsyncResult (a thenable) would.
    return await this[MAP_HOOK]("map", MAP, fn, iterable, options, MAP_OPTIONS)
      .get();
  }

  /**
   * Like {@linkcode BasePool.map}, but returns an {@linkcode AsyncResult} at once.
   *
   * @param fn The task function.
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
    return this[MAP_HOOK]("mapAsync", MAP, fn, iterable, options);
  }

  /**
   * Like {@linkcode BasePool.map}, but each item is an argument list: `fn(...item)`.
   *
   * @param fn The task function.
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
    return await this[MAP_HOOK](
      "starmap",
      STARMAP,
      fn as (...args: unknown[]) => R,
      iterable,
      options,
      MAP_OPTIONS,
    ).get();
  }

  /**
   * Like {@linkcode BasePool.starmap}, but returns an {@linkcode AsyncResult} at once.
   *
   * @param fn The task function.
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
    return this[MAP_HOOK](
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
   * @param fn The task function.
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
    return this[IMAP_HOOK]("imap", true, fn, iterable, options);
  }

  /**
   * Like {@linkcode BasePool.imap}, but yields results as they finish.
   *
   * @param fn The task function.
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
    return this[IMAP_HOOK]("imapUnordered", false, fn, iterable, options);
  }

  /**
   * Calls `fn(...args)` once and resolves with its result.
   *
   * @param fn The task function.
   * @param args Its arguments.
   * @param options `signal`.
   * @returns The result.
   * @throws {ProcessError} "Pool not running" after `close()` or `terminate()`.
   * @throws {TypeError} If `args` is not an array or cannot be sent.
   */
  async apply<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options?: SubmitOptions,
  ): Promise<Awaited<R>> {
    return await this[APPLY_HOOK]<R>(
      "apply",
      fn,
      args,
      options,
      APPLY_OPTIONS,
    ).get();
  }

  /**
   * Calls `fn(...args)` once; returns an {@linkcode AsyncResult} at once.
   *
   * @param fn The task function.
   * @param args Its arguments.
   * @param options `signal`, `callback`, `errorCallback`.
   * @returns The eventual result; it rejects with a `TypeError` if an
   * argument cannot be sent.
   * @throws {ProcessError} "Pool not running" after `close()` or `terminate()`.
   */
  applyAsync<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options?: ApplyAsyncOptions<Awaited<R>>,
  ): AsyncResult<Awaited<R>> {
    return this[APPLY_HOOK]<R>("applyAsync", fn, args, options);
  }

  /** Accepts no more work; what was submitted still runs. */
  abstract close(): void;

  /**
   * Waits until every task submitted has finished.
   *
   * @throws {ProcessError} If the pool is still running (call `close()` or
   * `terminate()` first).
   */
  abstract join(): Promise<void>;

  /** Stops the pool at once; pending work rejects with a `ProcessError`. */
  abstract terminate(): Promise<void>;

  /** Terminates the pool, like leaving Python's `with Pool() as pool:`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }

  /** @ignore */
  protected abstract [MAP_HOOK]<R>(
    what: string,
    kind: typeof MAP | typeof STARMAP,
    fn: (...args: never[]) => R,
    iterable: Iterable<unknown>,
    options: MapAsyncOptions<Awaited<R>[]> | undefined,
    known?: readonly string[],
  ): AsyncResult<Awaited<R>[]>;

  /** @ignore */
  protected abstract [APPLY_HOOK]<R>(
    what: string,
    fn: unknown,
    args: unknown[] | undefined,
    options: ApplyAsyncOptions<Awaited<R>> | undefined,
    known?: readonly string[],
  ): AsyncResult<Awaited<R>>;

  /** @ignore */
  protected abstract [IMAP_HOOK]<R>(
    what: string,
    ordered: boolean,
    fn: (...args: never[]) => R,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    options: ImapOptions | undefined,
  ): AsyncIterableIterator<Awaited<R>>;
}
