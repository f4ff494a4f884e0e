/**
 * `Condition`: a condition variable in shared memory, over a `Lock` or an
 * `RLock`.
 *
 * @module
 */
import {
  type ConditionLock,
  isOwned,
  releaseAll,
  restore,
} from "./_acquire.ts";
import type { AcquireAsyncOptions, AcquireOptions } from "./acquire_options.ts";
import {
  decode,
  encode,
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import { block, blockAsync, notify, type Steps } from "./_futex.ts";
import { Adopted, sharedCells } from "../_core/shared.ts";
import { describe } from "../_core/validate.ts";
import { Lock, RLock } from "./lock.ts";
import { checkTimeout, deadlineOf } from "../_core/timeout.ts";

// A waiter counts itself in SLEEPERS (under the lock), notes SEQ, lets the
// lock go and waits for a TOKEN. notify(n) moves up to n sleepers to TOKENS
// and bumps SEQ, on which waiters sleep. Only a waiter that saw SEQ move
// since it started (or since it last found no token) may take a token, so a
// thread that starts waiting after a notify cannot steal what that notify
// meant for others. A waiter that times out takes itself out of SLEEPERS,
// or, if a notify already counted it, takes a token. SLEEPERS + TOKENS is
// the number of waiters, so notify(n) wakes at most n of them, and a later
// notify can always reach a waiter an earlier one missed.
const SLEEPERS = 0;
const TOKENS = 1;
const SEQ = 2;

function tryTakeToken(cells: Int32Array): boolean {
  const tokens = Atomics.load(cells, TOKENS);
  return tokens > 0 &&
    Atomics.compareExchange(cells, TOKENS, tokens, tokens - 1) === tokens;
}

/**
 * A condition variable, like Python's `multiprocessing.Condition`: with its
 * lock held, `wait()` releases the lock, sleeps until `notify()` and takes
 * the lock again. The lock defaults to a new `RLock`. Passed to a `Process`
 * it arrives as the same condition, with the same lock.
 *
 * `wait()` blocks its thread (right in worker code); on the main thread use
 * `waitAsync()`, which never blocks the event loop.
 *
 * @example Usage
 * ```ts
 * import { Condition } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const cond = new Condition();
 * const items: number[] = [];
 * setTimeout(() => {
 *   using _ = cond.hold();
 *   items.push(1);
 *   cond.notify();
 * }, 10);
 * await using _ = await cond.holdAsync();
 * assert.equal(await cond.waitForAsync(() => items.length > 0, 5_000), true);
 * ```
 */
export class Condition {
  #cells: Int32Array;
  #lock: Lock | RLock;

  /**
   * Creates a condition over `lock`.
   *
   * @param lock The lock to use. @default new RLock()
   * @throws {TypeError} If `lock` is not a `Lock` or an `RLock`.
   */
  constructor(lock?: Lock | RLock);
  /** @ignore The memory of a rebuilt condition. */
  constructor(lock: Lock | RLock, memory: Adopted<Int32Array>);
  constructor(lock?: Lock | RLock, memory?: Adopted<Int32Array>) {
    this.#cells = sharedCells(memory, 3);
    if (
      lock !== undefined && !(lock instanceof Lock || lock instanceof RLock)
    ) {
      throw new TypeError(
        `Cannot create Condition: lock must be a Lock or an RLock, received ${
          describe(lock)
        }`,
      );
    }
    this.#lock = lock ?? new RLock();
  }

  /**
   * Takes the underlying lock; see `Lock.acquire`.
   *
   * @param options `block: false` tries once; `timeout` bounds the wait (ms).
   * @returns Whether the lock was taken.
   */
  acquire(options?: AcquireOptions): boolean {
    return this.#lock.acquire(options);
  }

  /**
   * Takes the underlying lock without blocking the event loop.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A promise of whether the lock was taken.
   */
  acquireAsync(options?: AcquireAsyncOptions): Promise<boolean> {
    return this.#lock.acquireAsync(options);
  }

  /** Releases the underlying lock. */
  release(): void {
    this.#lock.release();
  }

  /**
   * Takes the underlying lock for a `using` block.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A handle whose disposal releases the lock.
   */
  hold(options?: AcquireAsyncOptions): Disposable {
    return this.#lock.hold(options);
  }

  /**
   * Takes the underlying lock for an `await using` block.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A promise of a handle whose disposal releases the lock.
   */
  holdAsync(options?: AcquireAsyncOptions): Promise<Disposable> {
    return this.#lock.holdAsync(options);
  }

  /**
   * Releases the lock, blocks this thread until notified, retakes the lock.
   *
   * @param timeoutMs The longest wait, in milliseconds; none by default.
   * @returns `false` if the wait timed out, else `true`.
   * @throws {RangeError} If this thread does not hold the lock.
   * @throws {TypeError} If `timeoutMs` is not a number.
   */
  wait(timeoutMs?: number): boolean {
    return block(this.#waitSteps(this.#deadline("wait", timeoutMs)));
  }

  /**
   * Like {@linkcode Condition.wait}, without blocking the event loop.
   *
   * @param timeoutMs The longest wait, in milliseconds; none by default.
   * @returns A promise of `false` if the wait timed out, else `true`.
   * @throws {RangeError} If this thread does not hold the lock.
   * @throws {TypeError} If `timeoutMs` is not a number.
   */
  async waitAsync(timeoutMs?: number): Promise<boolean> {
    return await blockAsync(
      this.#waitSteps(this.#deadline("wait", timeoutMs)),
    );
  }

  /**
   * Waits until `predicate()` is truthy, checking it after each wake-up.
   *
   * @param predicate Called with the lock held.
   * @param timeoutMs The longest wait, in milliseconds; none by default.
   * @returns The last result of `predicate` (falsy only on timeout).
   * @throws {RangeError} If this thread does not hold the lock.
   */
  waitFor<T>(predicate: () => T, timeoutMs?: number): T {
    const deadline = this.#deadline("wait", timeoutMs);
    return block(this.#waitForSteps(predicate, deadline));
  }

  /**
   * Like {@linkcode Condition.waitFor}, without blocking the event loop.
   *
   * @param predicate Called with the lock held.
   * @param timeoutMs The longest wait, in milliseconds; none by default.
   * @returns A promise of the last result of `predicate`.
   * @throws {RangeError} If this thread does not hold the lock.
   */
  async waitForAsync<T>(predicate: () => T, timeoutMs?: number): Promise<T> {
    const deadline = this.#deadline("wait", timeoutMs);
    return await blockAsync(this.#waitForSteps(predicate, deadline));
  }

  /**
   * Wakes up to `n` waiters; the lock must be held.
   *
   * @param n How many waiters to wake. @default 1
   * @throws {RangeError} If this thread does not hold the lock, or `n` is
   * negative or not an integer.
   */
  notify(n: number = 1): void {
    if (!(n === Infinity || (Number.isInteger(n) && n >= 0))) {
      throw new RangeError(
        `Cannot notify Condition: n must be an integer >= 0, received ${
          describe(n)
        }`,
      );
    }
    this.#checkOwned("notify");
    const cells = this.#cells;
    const woken = Math.min(n, cells[SLEEPERS]);
    if (woken === 0) return;
    cells[SLEEPERS] -= woken;
    Atomics.add(cells, TOKENS, woken);
    Atomics.add(cells, SEQ, 1);
    notify(cells, SEQ, woken);
  }

  /**
   * Wakes every waiter; the lock must be held.
   *
   * @throws {RangeError} If this thread does not hold the lock.
   */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** @ignore */
  [reduce](): Reduced {
    return reduced("Condition", {
      cells: this.#cells,
      lock: encode(this.#lock),
    });
  }

  #deadline(what: string, timeoutMs: number | undefined): number {
    return deadlineOf(checkTimeout(`${what} on Condition`, timeoutMs));
  }

  #checkOwned(what: string): void {
    if (!(this.#lock as ConditionLock)[isOwned]()) {
      throw new RangeError(
        `Cannot ${what} on Condition: this thread does not hold its lock`,
      );
    }
  }

  *#waitSteps(deadline: number): Steps<boolean> {
    this.#checkOwned("wait");
    const cells = this.#cells;
    const lock = this.#lock as ConditionLock;
    cells[SLEEPERS]++;
    let seen = Atomics.load(cells, SEQ);
    const saved = lock[releaseAll]();
    let notified = false;
    while (!notified) {
      const seq = Atomics.load(cells, SEQ);
      if (seq !== seen) {
        notified = tryTakeToken(cells);
        if (Atomics.load(cells, TOKENS) === 0) seen = seq;
      } else if (!(yield { cells, index: SEQ, value: seen, deadline })) {
        break;
      }
    }
    yield* lock[restore](saved);
    if (notified) return true;
    if (cells[SLEEPERS] > 0) {
      cells[SLEEPERS]--;
      return false;
    }
    // A notify counted this waiter after its timeout: its token is there.
    while (!tryTakeToken(cells));
    return true;
  }

  *#waitForSteps<T>(predicate: () => T, deadline: number): Steps<T> {
    let result = predicate();
    while (!result && performance.now() < deadline) {
      yield* this.#waitSteps(deadline);
      result = predicate();
    }
    return result;
  }
}

registerShareable("Condition", (state) => {
  const { cells, lock } = state as { cells: Int32Array; lock: unknown };
  const rebuilt = decode(lock) as Lock | RLock;
  return new Condition(rebuilt, new Adopted(cells));
});
