/**
 * `Lock` and `RLock`: mutexes in shared memory that work across workers.
 *
 * @module
 */
import {
  acquireDeadline,
  asyncDeadline,
  held,
  isOwned,
  releaseAll,
  releaser,
  restore,
} from "./_acquire.ts";
import type { AcquireAsyncOptions, AcquireOptions } from "./acquire_options.ts";
import {
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import { identity } from "../_core/identity.ts";
import {
  block,
  blockAsync,
  holder,
  lockSteps,
  type Steps,
  tryLock,
  tryLockAs,
  unlock,
  unlockAs,
  UNLOCKED,
} from "./_futex.ts";
import { Adopted, sharedCells } from "../_core/shared.ts";

export type { AcquireAsyncOptions, AcquireOptions } from "./acquire_options.ts";

/**
 * A non-recursive lock, like Python's `multiprocessing.Lock`: one 3-state
 * futex word in a `SharedArrayBuffer`. Passed to a `Process` it arrives as
 * the same lock. Any thread may release it (as in Python); releasing it when
 * it is not held throws.
 *
 * `acquire()` blocks its thread, which is right in worker code; on the main
 * thread it blocks the event loop too, so use `acquireAsync()` there.
 *
 * @example Usage
 * ```ts
 * import { Lock } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * {
 *   using _ = lock.hold();
 *   assert.equal(lock.acquire({ timeout: 10 }), false);
 * }
 * assert.equal(await lock.acquireAsync(), true);
 * lock.release();
 * ```
 */
export class Lock {
  #cells: Int32Array;
  #handle: Disposable;

  /** Creates an unlocked lock. */
  constructor();
  /** @ignore The memory of a rebuilt lock. */
  constructor(memory: Adopted<Int32Array>);
  constructor(memory?: Adopted<Int32Array>) {
    this.#cells = sharedCells(memory, 1);
    this.#handle = releaser(() => this.release());
  }

  /**
   * Takes the lock, blocking this thread until it is free.
   *
   * @param options `block: false` tries once; `timeout` bounds the wait (ms).
   * @returns Whether the lock was taken.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   */
  acquire(options?: AcquireOptions): boolean {
    const cells = this.#cells;
    if (options === undefined) {
      return tryLock(cells, 0) || block(lockSteps(cells, 0, Infinity));
    }
    const deadline = acquireDeadline("acquire Lock", options);
    if (tryLock(cells, 0)) return true;
    return deadline !== null && block(lockSteps(cells, 0, deadline));
  }

  /**
   * Takes the lock without blocking the event loop.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A promise of whether the lock was taken.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   */
  async acquireAsync(options?: AcquireAsyncOptions): Promise<boolean> {
    const deadline = asyncDeadline("acquire Lock", options);
    return tryLock(this.#cells, 0) ||
      await blockAsync(lockSteps(this.#cells, 0, deadline));
  }

  /**
   * Whether any thread holds the lock now, like Python 3.14's
   * `Lock.locked()`.
   *
   * @returns `true` if the lock is held.
   */
  locked(): boolean {
    return Atomics.load(this.#cells, 0) !== UNLOCKED;
  }

  /**
   * Frees the lock.
   *
   * @throws {RangeError} If the lock is not held.
   */
  release(): void {
    if (!unlock(this.#cells, 0)) {
      throw new RangeError("Cannot release Lock: it is not locked");
    }
  }

  /**
   * Takes the lock for a `using` block, which releases it.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A handle whose disposal releases the lock.
   * @throws {TimeoutError} If `timeout` passed first.
   */
  hold(options?: AcquireAsyncOptions): Disposable {
    return held("hold Lock", this.acquire(options), options, this.#handle);
  }

  /**
   * Takes the lock for an `await using` block without blocking the event loop.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A promise of a handle whose disposal releases the lock.
   * @throws {TimeoutError} If `timeout` passed first.
   */
  async holdAsync(options?: AcquireAsyncOptions): Promise<Disposable> {
    const acquired = await this.acquireAsync(options);
    return held("hold Lock", acquired, options, this.#handle);
  }

  /** @ignore */
  [reduce](): Reduced {
    return reduced("Lock", this.#cells);
  }

  /** @ignore */
  [isOwned](): boolean {
    return Atomics.load(this.#cells, 0) !== 0;
  }

  /** @ignore */
  [releaseAll](): number {
    this.release();
    return 1;
  }

  /** @ignore */
  *[restore](): Steps<void> {
    yield* lockSteps(this.#cells, 0, Infinity);
  }
}

registerShareable(
  "Lock",
  (cells) => new Lock(new Adopted(cells as Int32Array)),
);

/** The mutex word, tagged with its holder: see {@linkcode tagOf}. */
const MUTEX = 0;
/**
 * How many more times than once the holder holds it. Only the holder writes
 * it, and it is 0 whenever the lock is free: taking a free lock and freeing
 * it write the mutex word alone. On a cache line of its own (64 bytes on),
 * so that reading it does not pull the mutex word's line from the threads
 * that wait on it.
 */
const DEPTH = 16;

/** This thread's tag in an RLock's mutex word: its pid + 1, doubled. */
function ownTag(): number {
  return (identity().pid + 1) * 2;
}

/**
 * A recursive lock, like Python's `multiprocessing.RLock`: the thread that
 * holds it may take it again, and must release it as many times. Only the
 * owner may release it. Threads are told apart by their process pid, so
 * async code on one thread shares ownership.
 *
 * @example Usage
 * ```ts
 * import { RLock } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const lock = new RLock();
 * lock.acquire();
 * assert.equal(lock.acquire(), true); // again, same owner
 * lock.release();
 * lock.release();
 * assert.throws(() => lock.release(), RangeError);
 * ```
 */
export class RLock {
  #cells: Int32Array;
  /**
   * This thread's tag, taken once: an RLock object belongs to the thread
   * that made it (another thread rebuilds its own from the memory), and a
   * worker takes on its pid before any code of its user runs. Read from
   * here, not from `identity()` at each call: under contention Bun ran a
   * loop of acquire and release 1.5–3.5× slower with the lookup.
   */
  #tag: number = ownTag();
  #handle: Disposable;

  /** Creates an unlocked recursive lock. */
  constructor();
  /** @ignore The memory of a rebuilt lock. */
  constructor(memory: Adopted<Int32Array>);
  constructor(memory?: Adopted<Int32Array>) {
    this.#cells = sharedCells(memory, DEPTH + 1);
    this.#handle = releaser(() => this.release());
  }

  /**
   * Takes the lock, or takes it once more if this thread holds it.
   *
   * @param options `block: false` tries once; `timeout` bounds the wait (ms).
   * @returns Whether the lock was taken.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   */
  acquire(options?: AcquireOptions): boolean {
    // Small enough to inline into a caller's loop, and calling no private
    // method: with `this.#acquire(…)` for the rest, never reached, Bun ran
    // a loop of acquire and release 1.5–2.4× slower on one thread.
    const cells = this.#cells;
    const tag = this.#tag;
    return (options === undefined && tryLockAs(cells, MUTEX, tag)) ||
      takeRLock(cells, tag, options);
  }

  /**
   * Takes the lock without blocking the event loop.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A promise of whether the lock was taken.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   */
  async acquireAsync(options?: AcquireAsyncOptions): Promise<boolean> {
    const deadline = asyncDeadline("acquire RLock", options);
    const cells = this.#cells;
    const tag = this.#tag;
    return tryLockAs(cells, MUTEX, tag) || reenter(cells, tag) ||
      await blockAsync(lockSteps(cells, MUTEX, deadline, tag));
  }

  /**
   * Whether any thread holds the lock now (this one included), like Python
   * 3.14's `RLock.locked()`.
   *
   * @returns `true` if the lock is held.
   */
  locked(): boolean {
    return Atomics.load(this.#cells, MUTEX) !== UNLOCKED;
  }

  /**
   * Releases one level of ownership; the last one frees the lock.
   *
   * @throws {RangeError} If this thread does not hold the lock.
   */
  release(): void {
    // Freeing a lock held once, nobody waiting, is one compare-exchange
    // (which checks the holder too); the rest is in leaveRLock.
    const cells = this.#cells;
    const tag = this.#tag;
    if (
      cells[DEPTH] !== 0 ||
      Atomics.compareExchange(cells, MUTEX, tag, UNLOCKED) !== tag
    ) leaveRLock(cells, tag);
  }

  /**
   * Takes the lock for a `using` block, which releases it.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A handle whose disposal releases the lock once.
   * @throws {TimeoutError} If `timeout` passed first.
   */
  hold(options?: AcquireAsyncOptions): Disposable {
    return held("hold RLock", this.acquire(options), options, this.#handle);
  }

  /**
   * Takes the lock for an `await using` block without blocking the event loop.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A promise of a handle whose disposal releases the lock once.
   * @throws {TimeoutError} If `timeout` passed first.
   */
  async holdAsync(options?: AcquireAsyncOptions): Promise<Disposable> {
    const acquired = await this.acquireAsync(options);
    return held("hold RLock", acquired, options, this.#handle);
  }

  /** @ignore */
  [reduce](): Reduced {
    return reduced("RLock", this.#cells);
  }

  /** @ignore */
  [isOwned](): boolean {
    return holder(this.#cells, MUTEX) === this.#tag;
  }

  /** @ignore */
  [releaseAll](): number {
    const cells = this.#cells;
    const owner = holder(cells, MUTEX);
    if (owner !== this.#tag) throw notOwned(owner);
    const count = cells[DEPTH] + 1;
    cells[DEPTH] = 0;
    unlock(cells, MUTEX);
    return count;
  }

  /** @ignore */
  *[restore](count: number): Steps<void> {
    const cells = this.#cells;
    yield* lockSteps(cells, MUTEX, Infinity, this.#tag);
    cells[DEPTH] = count - 1;
  }
}

/** The rest of RLock.acquire(): re-entry, option checks and waiting. */
function takeRLock(
  cells: Int32Array,
  tag: number,
  options: AcquireOptions | undefined,
): boolean {
  const deadline = options === undefined
    ? Infinity
    : acquireDeadline("acquire RLock", options);
  // Without options, acquire() has just tried to take it.
  if (
    reenter(cells, tag) ||
    (options !== undefined && tryLockAs(cells, MUTEX, tag))
  ) return true;
  return deadline !== null && block(lockSteps(cells, MUTEX, deadline, tag));
}

/** Takes the RLock at `cells` once more if `tag` holds it. */
function reenter(cells: Int32Array, tag: number): boolean {
  if (holder(cells, MUTEX) !== tag) return false;
  cells[DEPTH]++;
  return true;
}

/** The rest of RLock.release(): one level less, a wake-up, or the error. */
function leaveRLock(cells: Int32Array, tag: number): void {
  // A thread that does not hold the lock may read any DEPTH: it then
  // fails the holder check or unlockAs.
  if (cells[DEPTH] !== 0 && holder(cells, MUTEX) === tag) cells[DEPTH]--;
  else if (!unlockAs(cells, MUTEX, tag)) throw notOwned(holder(cells, MUTEX));
}

/** The error for releasing an RLock held by the thread with tag `owner`. */
function notOwned(owner: number): RangeError {
  return new RangeError(
    owner === 0
      ? "Cannot release RLock: it is not locked"
      : `Cannot release RLock: it is owned by pid ${
        owner / 2 - 1
      }, not by this thread (pid ${identity().pid})`,
  );
}

registerShareable(
  "RLock",
  (cells) => new RLock(new Adopted(cells as Int32Array)),
);
