/**
 * `AsyncResult`: the handle `Pool.applyAsync()` and friends return, like
 * Python's `AsyncResult`, and a `PromiseLike` so it can be awaited.
 *
 * @module
 */
import { ProcessError, TimeoutError } from "../errors.ts";
import { checkTimeout, settlesWithin } from "../_core/timeout.ts";

/** Callbacks of {@linkcode AsyncResult}, as the `*Async` pool methods take them. */
export interface AsyncResultCallbacks<R> {
  /** Called with the result once it is ready and successful. @default undefined */
  callback?: (result: R) => void;
  /** Called with the error once the task failed. @default undefined */
  errorCallback?: (error: unknown) => void;
}

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

/** Settles `result`: how the pool reports an outcome. Not public. */
export let settle: <R>(
  result: AsyncResult<R>,
  ok: boolean,
  value: unknown,
) => void;

/**
 * The eventual result of a pool task. `await` it, or use Python's methods:
 * `get(timeoutMs?)`, `wait(timeoutMs?)`, `ready()`, `successful()`.
 * Callbacks run (in a microtask) before anyone awaiting the result resumes.
 *
 * @example Usage
 * ```ts
 * import { Pool } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using pool = new Pool(1);
 * const result = pool.applyAsync((x: number) => x * x, [7]);
 * assert.equal(await result.get(10_000), 49);
 * assert.equal(result.ready(), true);
 * assert.equal(result.successful(), true);
 * assert.equal(await result, 49);
 * ```
 */
export class AsyncResult<R> implements PromiseLike<R> {
  #state = PENDING;
  #value: unknown = undefined;
  #promise: Promise<R> | null = null;
  #resolve: ((value: R) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;
  #callbacks: AsyncResultCallbacks<R>;

  static {
    settle = (result, ok, value) => result.#settle(ok, value);
  }

  /**
   * Creates a pending result; the pool methods create these.
   *
   * @param callbacks What to call once the result is ready.
   */
  constructor(callbacks: AsyncResultCallbacks<R> = {}) {
    this.#callbacks = callbacks;
  }

  /**
   * The result, once ready; rejects with the task's error if it failed.
   *
   * @param timeoutMs How long to wait; by default, without limit.
   * @returns The task's result.
   * @throws {TimeoutError} If the result is not ready within `timeoutMs`.
   */
  get(timeoutMs?: number): Promise<R> {
    let timeout: number | undefined;
    try {
      timeout = checkTimeout("get result", timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = this.#settled();
    if (this.#state !== PENDING || timeout === undefined) return promise;
    return settlesWithin(promise, timeout).then(() => {
      if (this.#state === PENDING) {
        throw new TimeoutError(
          `Timed out after ${timeout} ms waiting for the result`,
        );
      }
      return promise;
    });
  }

  /**
   * Waits until the result is ready, or until `timeoutMs` passes.
   *
   * @param timeoutMs How long to wait; by default, without limit.
   * @returns Whether the result is ready.
   */
  async wait(timeoutMs?: number): Promise<boolean> {
    const timeout = checkTimeout("wait for result", timeoutMs);
    if (this.#state === PENDING) {
      await settlesWithin(this.#settled(), timeout);
    }
    return this.#state !== PENDING;
  }

  /** Whether the task has finished, successfully or not. */
  ready(): boolean {
    return this.#state !== PENDING;
  }

  /**
   * Whether the task finished without throwing.
   *
   * @throws {ProcessError} If the result is not ready yet.
   */
  successful(): boolean {
    if (this.#state === PENDING) {
      throw new ProcessError(
        "Cannot tell whether the task was successful: the result is not ready",
      );
    }
    return this.#state === FULFILLED;
  }

  /** Makes the result awaitable; same as `get().then(…)`. */
  then<T = R, E = never>(
    onfulfilled?: ((value: R) => T | PromiseLike<T>) | null,
    onrejected?: ((reason: unknown) => E | PromiseLike<E>) | null,
  ): Promise<T | E> {
    return this.#settled().then(onfulfilled, onrejected);
  }

  #settled(): Promise<R> {
    if (this.#promise === null) {
      if (this.#state === FULFILLED) {
        this.#promise = Promise.resolve(this.#value as R);
      } else if (this.#state === REJECTED) {
        this.#promise = Promise.reject(this.#value);
      } else {
        this.#promise = new Promise<R>((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        });
      }
    }
    return this.#promise;
  }

  #settle(ok: boolean, value: unknown): void {
    if (this.#state !== PENDING) return;
    this.#state = ok ? FULFILLED : REJECTED;
    this.#value = value;
    const callback = ok
      ? this.#callbacks.callback
      : this.#callbacks.errorCallback;
    if (callback !== undefined) queueMicrotask(() => callback(value as R));
    if (ok) this.#resolve?.(value as R);
    else this.#reject?.(value);
  }
}
