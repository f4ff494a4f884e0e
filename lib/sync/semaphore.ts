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
import { block, blockAsync, type Steps } from "./_futex.ts";
import { Adopted, sharedCells } from "../_core/shared.ts";
import { describe } from "../_core/validate.ts";

/**
 * The value word: the units in bits 0–30, and SLEEPERS, the sign bit, while
 * someone may sleep on it (Drepper's mutex 2, counted). A release that
 * finds SLEEPERS clears it in the same exchange that adds its unit and
 * wakes one sleeper; so a release while nobody sleeps is one
 * compare-exchange, as is an acquire that finds a unit.
 *
 * A thread sleeps only on the word `SLEEPERS` exactly (no unit, the bit
 * set), after setting the bit itself if it was clear. Every clearing of the
 * bit is followed by a notify, and whoever wakes takes over the duty of the
 * sleepers left behind: after any wait, a thread takes its unit pessimistic,
 * setting SLEEPERS (its release wakes the next), or, if units are left
 * over after its own, leaves the bit clear and wakes the next itself;
 * finding no unit, it sets the bit again before it sleeps or gives up. So
 * while anyone sleeps, either the bit is set or a woken thread is on its
 * way to one of those steps: no wake-up is lost.
 */
const VALUE = 0;
/** The largest VALUE release may reach. */
const MAX = 1;
/** 1 for a BoundedSemaphore. */
const BOUNDED = 2;
const SLEEPERS = -(2 ** 31);
const UNITS = 2 ** 31 - 1;
const INT32_MAX = UNITS;
/**
 * How many times a contended acquire re-reads the word before it sleeps:
 * see `SPINS` in `_futex.ts`.
 */
const SPINS = 100;

function tryDecrement(cells: Int32Array): boolean {
  // Guess 1 (a semaphore used as a lock) to save a load. Success is only
  // ever a compare-exchange that found what it expected: a lost race that
  // leaves 1 behind must still take that unit with its own exchange.
  let word = Atomics.compareExchange(cells, VALUE, 1, 0);
  if (word === 1) return true;
  while ((word & UNITS) !== 0) {
    const seen = Atomics.compareExchange(cells, VALUE, word, word - 1);
    if (seen === word) return true;
    word = seen;
  }
  return false;
}

function* decrementSteps(cells: Int32Array, deadline: number): Steps<boolean> {
  for (let i = 0; i < SPINS; i++) {
    if ((Atomics.load(cells, VALUE) & UNITS) !== 0 && tryDecrement(cells)) {
      return true;
    }
  }
  let woken = false;
  let word = Atomics.load(cells, VALUE);
  for (;;) {
    const units = word & UNITS;
    if (units !== 0) {
      // Before any wait, the bit is left as it is; after one, see VALUE.
      const rest = units - 1;
      const next = !woken ? word - 1 : rest === 0 ? SLEEPERS : rest;
      const seen = Atomics.compareExchange(cells, VALUE, word, next);
      if (seen !== word) {
        word = seen;
        continue;
      }
      if (woken && rest !== 0) Atomics.notify(cells, VALUE, 1);
      return true;
    }
    if (word === 0) {
      word = Atomics.compareExchange(cells, VALUE, 0, SLEEPERS);
      if (word !== 0) continue;
    }
    // The word is SLEEPERS.
    if (deadline !== Infinity && performance.now() >= deadline) return false;
    woken = true;
    const wait = { cells, index: VALUE, value: SLEEPERS, deadline };
    if (!(yield wait)) return false; // still SLEEPERS: the bit stays set
    word = Atomics.load(cells, VALUE);
  }
}

/** Adds one unit unless that would pass `max`; false if it would. */
function increment(cells: Int32Array, max: number): boolean {
  if (max === 0) return false;
  // Guess 0 (a semaphore used as a lock, nobody asleep) to save a load. As
  // in tryDecrement, only an exchange that found what it expected counts.
  let word = Atomics.compareExchange(cells, VALUE, 0, 1);
  if (word === 0) return true;
  for (;;) {
    const units = word & UNITS;
    if (units >= max) return false;
    const seen = Atomics.compareExchange(cells, VALUE, word, units + 1);
    if (seen === word) break;
    word = seen;
  }
  // Cleared SLEEPERS: wake one, who takes over (see VALUE).
  if (word < 0) Atomics.notify(cells, VALUE, 1);
  return true;
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
    this.#cells = sharedCells(memory, 3, (cells) => {
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
    // No private method here: see RLock.acquire.
    const cells = this.#cells;
    if (!increment(cells, this.#max)) throw releasedTooOften(cells);
  }

  /** The number of units available now. */
  getValue(): number {
    return Atomics.load(this.#cells, VALUE) & UNITS;
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
}

/** The error for releasing the semaphore at `cells` past its maximum. */
function releasedTooOften(cells: Int32Array): RangeError {
  const max = cells[MAX];
  return new RangeError(
    cells[BOUNDED] === 0
      ? `Cannot release Semaphore: its value would pass ${max}`
      : `Cannot release BoundedSemaphore: it was released more times than acquired, its value is back at its initial ${max}`,
  );
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
