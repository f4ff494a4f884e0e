/**
 * `Semaphore` and `BoundedSemaphore`: counters in shared memory that
 * `acquire()` decrements, waiting while they are zero.
 *
 * @module
 */
import { acquireDeadline, asyncDeadline, held, releaser } from "./_acquire.ts";
import type { AcquireAsyncOptions, AcquireOptions } from "./acquire_options.ts";
import {
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import { block, blockAsync, spinWhile, type Steps } from "./_futex.ts";
import { Adopted, sharedCells } from "../_core/shared.ts";
import { describe } from "../_core/validate.ts";

const VALUE = 0;
/**
 * Wake tokens: a thread adds one before each sleep on VALUE. A release that
 * finds one notifies, and takes one off if that woke a sleeper; a waiter
 * that no notify woke (the value had changed, or it timed out) takes its
 * own off. So the tokens count the sleepers and those about to sleep, and a
 * release notifies only while someone may sleep: not again and again while
 * the one it woke has not yet run (the old count was kept by the waiter).
 */
const WAITERS = 1;
/** The largest VALUE release may reach. */
const MAX = 2;
/** 1 for a BoundedSemaphore. */
const BOUNDED = 3;
const INT32_MAX = 2 ** 31 - 1;

function tryDecrement(cells: Int32Array): boolean {
  // Guess 1 (a semaphore used as a lock) to save a load. Success is only
  // ever a compare-exchange that found what it expected: a lost race that
  // leaves 1 behind must still take that unit with its own exchange.
  let value = Atomics.compareExchange(cells, VALUE, 1, 0);
  if (value === 1) return true;
  while (value > 0) {
    const seen = Atomics.compareExchange(cells, VALUE, value, value - 1);
    if (seen === value) return true;
    value = seen;
  }
  return false;
}

function* decrementSteps(cells: Int32Array, deadline: number): Steps<boolean> {
  for (;;) {
    if (tryDecrement(cells)) return true;
    if (spinWhile(cells, VALUE, 0)) continue; // a unit came back; try again
    Atomics.add(cells, WAITERS, 1);
    const wait = { cells, index: VALUE, value: 0, deadline, once: true };
    if (!(yield wait)) {
      Atomics.sub(cells, WAITERS, 1); // no notify took our token
      if (performance.now() >= deadline) return false;
    }
  }
}

/** After a unit came back: wakes a sleeper if a wake token says one may sleep. */
function wakeOne(cells: Int32Array): void {
  if (
    Atomics.load(cells, WAITERS) > 0 && Atomics.notify(cells, VALUE, 1) === 1
  ) Atomics.sub(cells, WAITERS, 1); // the token of the one it woke
}

/**
 * A counting semaphore, like Python's `multiprocessing.Semaphore`:
 * `acquire()` takes one unit, waiting while there is none; `release()` gives
 * one back. Passed to a `Process` it arrives as the same semaphore.
 *
 * `acquire()` blocks its thread (right in worker code); on the main thread
 * use `acquireAsync()`, which never blocks the event loop.
 *
 * @example Usage
 * ```ts
 * import { Semaphore } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const slots = new Semaphore(2);
 * assert.equal(slots.acquire(), true);
 * assert.equal(await slots.acquireAsync(), true);
 * assert.equal(slots.acquire({ timeout: 10 }), false);
 * slots.release();
 * assert.equal(slots.getValue(), 1);
 * ```
 */
export class Semaphore {
  #cells: Int32Array;
  #bounded: boolean;
  #max: number;
  #handle: Disposable;

  /**
   * Creates a semaphore holding `value` units.
   *
   * @param value The initial count, an integer from 0 to 2³¹ − 1.
   * @throws {TypeError} If `value` is not a number.
   * @throws {RangeError} If `value` is not an integer in range.
   */
  constructor(value?: number);
  /** @ignore The memory of a rebuilt semaphore. */
  constructor(value: undefined, memory: Adopted<Int32Array>);
  constructor(value: number = 1, memory?: Adopted<Int32Array>) {
    const bounded = new.target === BoundedSemaphore;
    this.#cells = sharedCells(memory, 4, (cells) => {
      cells[VALUE] = checkValue(new.target.name, value);
      cells[MAX] = bounded ? value : INT32_MAX;
      cells[BOUNDED] = bounded ? 1 : 0;
    });
    this.#bounded = this.#cells[BOUNDED] === 1;
    this.#max = this.#cells[MAX];
    this.#handle = releaser(() => this.release());
  }

  /**
   * Takes one unit, blocking this thread while there is none.
   *
   * @param options `block: false` tries once; `timeout` bounds the wait (ms).
   * @returns Whether a unit was taken.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   */
  acquire(options?: AcquireOptions): boolean {
    const cells = this.#cells;
    if (options === undefined) {
      return tryDecrement(cells) || block(decrementSteps(cells, Infinity));
    }
    const deadline = acquireDeadline(`acquire ${this.#kind()}`, options);
    if (tryDecrement(cells)) return true;
    return deadline !== null && block(decrementSteps(cells, deadline));
  }

  /**
   * Takes one unit without blocking the event loop.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A promise of whether a unit was taken.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   */
  async acquireAsync(options?: AcquireAsyncOptions): Promise<boolean> {
    const deadline = asyncDeadline(`acquire ${this.#kind()}`, options);
    return tryDecrement(this.#cells) ||
      await blockAsync(decrementSteps(this.#cells, deadline));
  }

  /**
   * Gives one unit back and wakes one waiter.
   *
   * @throws {RangeError} If a `BoundedSemaphore` would pass its initial value.
   */
  release(): void {
    const cells = this.#cells;
    if (this.#bounded) {
      this.#increment(cells);
    } else if (Atomics.add(cells, VALUE, 1) === INT32_MAX) {
      Atomics.sub(cells, VALUE, 1);
      throw this.#releasedTooOften();
    }
    wakeOne(cells);
  }

  /** Adds a unit to a BoundedSemaphore, refusing to pass its bound. */
  #increment(cells: Int32Array): void {
    const max = this.#max;
    // Guess 0 (a semaphore used as a lock) to save a load. As in
    // tryDecrement, only an exchange that found what it expected counts.
    let value = max > 0
      ? Atomics.compareExchange(cells, VALUE, 0, 1)
      : Atomics.load(cells, VALUE);
    if (value === 0 && max > 0) return;
    for (;;) {
      if (value >= max) throw this.#releasedTooOften();
      const seen = Atomics.compareExchange(cells, VALUE, value, value + 1);
      if (seen === value) return;
      value = seen;
    }
  }

  /** The number of units available now. */
  getValue(): number {
    return Atomics.load(this.#cells, VALUE);
  }

  /**
   * Takes one unit for a `using` block, which gives it back.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A handle whose disposal releases the unit.
   * @throws {TimeoutError} If `timeout` passed first.
   */
  hold(options?: AcquireAsyncOptions): Disposable {
    const acquired = this.acquire(options);
    return held(`hold ${this.#kind()}`, acquired, options, this.#handle);
  }

  /**
   * Takes one unit for an `await using` block without blocking the event loop.
   *
   * @param options `timeout` bounds the wait (ms).
   * @returns A promise of a handle whose disposal releases the unit.
   * @throws {TimeoutError} If `timeout` passed first.
   */
  async holdAsync(options?: AcquireAsyncOptions): Promise<Disposable> {
    const acquired = await this.acquireAsync(options);
    return held(`hold ${this.#kind()}`, acquired, options, this.#handle);
  }

  /** @ignore */
  [reduce](): Reduced {
    return reduced(this.#kind(), this.#cells);
  }

  #kind(): string {
    return this.#bounded ? "BoundedSemaphore" : "Semaphore";
  }

  #releasedTooOften(): RangeError {
    const max = this.#cells[MAX];
    return new RangeError(
      !this.#bounded
        ? `Cannot release Semaphore: its value would pass ${max}`
        : `Cannot release BoundedSemaphore: it was released more times than acquired, its value is back at its initial ${max}`,
    );
  }
}

function checkValue(kind: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create ${kind}: value must be a number, received ${
        describe(value)
      }`,
    );
  }
  if (!Number.isInteger(value) || value < 0 || value > INT32_MAX) {
    throw new RangeError(
      `Cannot create ${kind}: value must be an integer from 0 to ${INT32_MAX}, received ${value}`,
    );
  }
  return value;
}

/**
 * A semaphore that may not be released past its initial value, like
 * Python's `multiprocessing.BoundedSemaphore`.
 *
 * @example Usage
 * ```ts
 * import { BoundedSemaphore } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const slots = new BoundedSemaphore(1);
 * slots.acquire();
 * slots.release();
 * assert.throws(() => slots.release(), RangeError);
 * ```
 */
export class BoundedSemaphore extends Semaphore {}

registerShareable(
  "Semaphore",
  (cells) => new Semaphore(undefined, new Adopted(cells as Int32Array)),
);
registerShareable(
  "BoundedSemaphore",
  (cells) => new BoundedSemaphore(undefined, new Adopted(cells as Int32Array)),
);
