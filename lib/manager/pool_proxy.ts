/**
 * Proxies of a `SyncManager`'s `Pool` (Python's `PoolProxy`) and of what its
 * methods return: `AsyncResultProxy` and `IteratorProxy`.
 *
 * @module
 */
import { proxyMakers, withDefaults } from "./_client.ts";
import { taskName } from "./_task.ts";
import { BaseProxy } from "./proxy.ts";

/**
 * A function a manager's Pool runs: an export of one of the pool's modules
 * (found there by its source, else by its name), or that export's name.
 */
export type PoolTask<A extends unknown[], R> = ((...args: A) => R) | string;

/** Options of `PoolProxy.map`, `starmap`, `imap` and `imapUnordered`. */
export interface PoolProxyMapOptions {
  /** Items per task. @default as the local `Pool` */
  chunksize?: number;
}

/** Callbacks of the `…Async` methods; they run in the calling thread. */
export interface PoolProxyCallbacks<R> {
  /** Called with the result once it is ready. */
  callback?: (value: R) => void;
  /** Called with the error if the task failed. */
  errorCallback?: (error: unknown) => void;
}

/**
 * A proxy of a Pool that a manager's server owns, like Python's
 * `PoolProxy`. Its tasks run only exports of the modules the server's owner
 * allowed (`new SyncManager({ poolModules })`): pass such an export, or its
 * name; a function the server does not find there is refused with a
 * `ProcessError`. `applyAsync`, `mapAsync` and `starmapAsync` resolve an
 * {@linkcode AsyncResultProxy}; `imap` and `imapUnordered` iterate an
 * {@linkcode IteratorProxy}. `await using` terminates it, like Python's
 * `with`.
 *
 * @example Usage
 * ```ts
 * import { SyncManager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const tasks = "data:text/javascript,export function square(x) { return x * x; }";
 * const { square } = await import(tasks);
 * await using manager = new SyncManager({ poolModules: [tasks] });
 * await manager.start();
 * await using pool = await manager.Pool(2);
 * assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
 * const result = await pool.applyAsync(square, [7]);
 * assert.equal(await result.get(), 49);
 * ```
 */
export class PoolProxy extends BaseProxy {
  /** `fn(item)` for each item, on the pool; resolves the results in order. */
  map<T, R>(
    fn: PoolTask<[T], R>,
    items: Iterable<T>,
    options?: PoolProxyMapOptions,
  ): Promise<Awaited<R>[]> {
    return this.callMethod(
      "map",
      withDefaults(taskName(fn), [...items], options),
    ) as Promise<Awaited<R>[]>;
  }
  /** `fn(...args)` for each argument list; resolves the results in order. */
  starmap<A extends unknown[], R>(
    fn: PoolTask<A, R>,
    items: Iterable<A>,
    options?: PoolProxyMapOptions,
  ): Promise<Awaited<R>[]> {
    return this.callMethod(
      "starmap",
      withDefaults(taskName(fn), [...items], options),
    ) as Promise<Awaited<R>[]>;
  }
  /** `fn(...args)` on the pool; resolves its result. */
  apply<A extends unknown[], R>(
    fn: PoolTask<A, R>,
    args?: A,
  ): Promise<Awaited<R>> {
    return this.callMethod(
      "apply",
      withDefaults(taskName(fn), args),
    ) as Promise<Awaited<R>>;
  }
  /** Submits `fn(...args)`; resolves the proxy of its pending result. */
  applyAsync<A extends unknown[], R>(
    fn: PoolTask<A, R>,
    args?: A,
    callbacks?: PoolProxyCallbacks<Awaited<R>>,
  ): Promise<AsyncResultProxy<Awaited<R>>> {
    return this.#async("applyAsync", [taskName(fn), args ?? []], callbacks);
  }
  /** Submits a `map`; resolves the proxy of its pending results. */
  mapAsync<T, R>(
    fn: PoolTask<[T], R>,
    items: Iterable<T>,
    options?: PoolProxyMapOptions & PoolProxyCallbacks<Awaited<R>[]>,
  ): Promise<AsyncResultProxy<Awaited<R>[]>> {
    const { callback, errorCallback, ...rest } = options ?? {};
    return this.#async("mapAsync", [taskName(fn), [...items], rest], {
      callback,
      errorCallback,
    });
  }
  /** Submits a `starmap`; resolves the proxy of its pending results. */
  starmapAsync<A extends unknown[], R>(
    fn: PoolTask<A, R>,
    items: Iterable<A>,
    options?: PoolProxyMapOptions & PoolProxyCallbacks<Awaited<R>[]>,
  ): Promise<AsyncResultProxy<Awaited<R>[]>> {
    const { callback, errorCallback, ...rest } = options ?? {};
    return this.#async("starmapAsync", [taskName(fn), [...items], rest], {
      callback,
      errorCallback,
    });
  }
  /** Yields `fn(item)` for each item, in order, as the results arrive. */
  imap<T, R>(
    fn: PoolTask<[T], R>,
    items: Iterable<T>,
    options?: PoolProxyMapOptions,
  ): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate("imap", fn, items, options) as AsyncIterableIterator<
      Awaited<R>
    >;
  }
  /** Yields `fn(item)` for each item, in the order they finish. */
  imapUnordered<T, R>(
    fn: PoolTask<[T], R>,
    items: Iterable<T>,
    options?: PoolProxyMapOptions,
  ): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(
      "imapUnordered",
      fn,
      items,
      options,
    ) as AsyncIterableIterator<Awaited<R>>;
  }
  /** Takes no more tasks; the workers exit once the submitted ones are done. */
  async close(): Promise<void> {
    await this.callMethod("close");
  }
  /** Waits for the workers to exit. @throws {ProcessError} Before `close()` or `terminate()`. */
  async join(): Promise<void> {
    await this.callMethod("join");
  }
  /** Stops the workers now; pending tasks reject. */
  async terminate(): Promise<void> {
    await this.callMethod("terminate");
  }
  /** Terminates the pool, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate();
  }

  async #async<R>(
    method: string,
    args: unknown[],
    { callback, errorCallback }: PoolProxyCallbacks<R> = {},
  ): Promise<AsyncResultProxy<R>> {
    const result = await this.callMethod(method, args) as AsyncResultProxy<R>;
    if (callback !== undefined || errorCallback !== undefined) {
      result.get().then(callback, errorCallback ?? (() => {}));
    }
    return result;
  }

  async *#iterate(
    method: string,
    fn: PoolTask<never[], unknown>,
    items: Iterable<unknown>,
    options: PoolProxyMapOptions | undefined,
  ): AsyncGenerator<unknown, void, undefined> {
    const args = withDefaults(taskName(fn), [...items], options);
    const iterator = await this.callMethod(method, args) as IteratorProxy;
    try {
      yield* iterator;
    } finally {
      iterator.decref();
    }
  }
}

/**
 * A proxy of a pending `Pool` result on a manager server, from
 * `PoolProxy.applyAsync`, `mapAsync` or `starmapAsync` (Python's
 * `AsyncResult` proxy).
 *
 * @example Usage
 * ```ts
 * import { SyncManager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const tasks = "data:text/javascript,export function add(a, b) { return a + b; }";
 * const { add } = await import(tasks);
 * await using manager = new SyncManager({ poolModules: [tasks] });
 * await manager.start();
 * await using pool = await manager.Pool(1);
 * const result = await pool.applyAsync(add, [2, 3]);
 * assert.equal(await result.wait(5_000), true);
 * assert.equal(await result.successful(), true);
 * assert.equal(await result.get(), 5);
 * ```
 */
export class AsyncResultProxy<R = unknown> extends BaseProxy {
  /**
   * The result, once ready; rejects with the task's error if it failed.
   *
   * @throws {TimeoutError} If it is not ready within `timeoutMs`.
   */
  get(timeoutMs?: number): Promise<R> {
    return this.callMethod("get", withDefaults(timeoutMs)) as Promise<R>;
  }
  /** Waits until the result is ready or `timeoutMs` passes; resolves whether it is ready. */
  wait(timeoutMs?: number): Promise<boolean> {
    return this.callMethod("wait", withDefaults(timeoutMs)) as Promise<
      boolean
    >;
  }
  /** Whether the task has finished. */
  ready(): Promise<boolean> {
    return this.callMethod("ready") as Promise<boolean>;
  }
  /** Whether the task finished without throwing. @throws {ProcessError} If it is not ready. */
  successful(): Promise<boolean> {
    return this.callMethod("successful") as Promise<boolean>;
  }
}

/**
 * A proxy of an iterator on a manager server (Python's `IteratorProxy`),
 * such as the one behind `PoolProxy.imap`: each `next()` is one call.
 *
 * @example Usage
 * ```ts
 * import { SyncManager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const tasks = "data:text/javascript,export function half(x) { return x / 2; }";
 * const { half } = await import(tasks);
 * await using manager = new SyncManager({ poolModules: [tasks] });
 * await manager.start();
 * await using pool = await manager.Pool(1);
 * const halves: number[] = [];
 * for await (const x of pool.imap(half, [2, 4, 6])) halves.push(x);
 * assert.deepEqual(halves, [1, 2, 3]);
 * ```
 */
export class IteratorProxy<T = unknown> extends BaseProxy
  implements AsyncIterableIterator<T> {
  /** The next item, or `{ done: true }`. */
  async next(): Promise<IteratorResult<T, undefined>> {
    const { done, value } = await this.callMethod("next") as {
      done: boolean;
      value: T;
    };
    return done ? { done: true, value: undefined } : { done: false, value };
  }
  /** Stops the iteration early. */
  async return(): Promise<IteratorResult<T, undefined>> {
    await this.callMethod("return");
    return { done: true, value: undefined };
  }
  /** The iterator itself. */
  [Symbol.asyncIterator](): this {
    return this;
  }
}

proxyMakers.set("Pool", (token) => new PoolProxy(token));
proxyMakers.set("AsyncResult", (token) => new AsyncResultProxy(token));
proxyMakers.set("Iterator", (token) => new IteratorProxy(token));
