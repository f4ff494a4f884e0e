/**
 * `Event`: a flag in shared memory that threads wait on.
 *
 * @module
 */
import {
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import { block, blockAsync, notify, type Steps } from "./_futex.ts";
import { Adopted, sharedCells } from "../_core/shared.ts";
import { checkTimeout, deadlineOf } from "../_core/timeout.ts";

// FLAG is the flag; every set() bumps GEN, on which waiters sleep. A waiter
// wakes when GEN moves, so a set() followed at once by clear() still wakes
// everyone who was waiting; each then reports the flag as it finds it.
const FLAG = 0;
const GEN = 1;

/**
 * A flag threads can wait for, like Python's `multiprocessing.Event`:
 * `set()` wakes every waiter, `clear()` lowers it again. Passed to a
 * `Process` it arrives as the same event.
 *
 * `wait()` blocks its thread (right in worker code); on the main thread use
 * `waitAsync()`, which never blocks the event loop.
 *
 * @example Usage
 * ```ts
 * import { Event } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const ready = new Event();
 * assert.equal(ready.wait(10), false);
 * setTimeout(() => ready.set(), 10);
 * assert.equal(await ready.waitAsync(), true);
 * assert.equal(ready.isSet(), true);
 * ```
 */
export class Event {
  #cells: Int32Array;

  /** Creates an event that is not set. */
  constructor();
  /** @ignore The memory of a rebuilt event. */
  constructor(memory: Adopted<Int32Array>);
  constructor(memory?: Adopted<Int32Array>) {
    this.#cells = sharedCells(memory, 2);
  }

  /** Whether the flag is set. */
  isSet(): boolean {
    return Atomics.load(this.#cells, FLAG) === 1;
  }

  /** Sets the flag and wakes every thread waiting now. */
  set(): void {
    Atomics.store(this.#cells, FLAG, 1);
    Atomics.add(this.#cells, GEN, 1);
    notify(this.#cells, GEN);
  }

  /** Lowers the flag; threads a `set()` already woke still wake. */
  clear(): void {
    Atomics.store(this.#cells, FLAG, 0);
  }

  /**
   * Blocks this thread until the flag is set.
   *
   * @param timeoutMs The longest wait, in milliseconds; none by default.
   * @returns The flag as it is after waking: `false` if the wait timed
   * out, or if the flag was cleared again right after the `set()` that
   * woke this thread.
   * @throws {TypeError} If `timeoutMs` is not a number.
   */
  wait(timeoutMs?: number): boolean {
    const deadline = deadlineOf(checkTimeout("wait on Event", timeoutMs));
    return block(this.#waitSteps(deadline));
  }

  /**
   * Waits until the flag is set without blocking the event loop.
   *
   * @param timeoutMs The longest wait, in milliseconds; none by default.
   * @returns A promise of the flag as it is after waking: `false` if the
   * wait timed out or the flag was cleared again at once.
   * @throws {TypeError} If `timeoutMs` is not a number.
   */
  async waitAsync(timeoutMs?: number): Promise<boolean> {
    const deadline = deadlineOf(checkTimeout("wait on Event", timeoutMs));
    return await blockAsync(this.#waitSteps(deadline));
  }

  *#waitSteps(deadline: number): Steps<boolean> {
    const cells = this.#cells;
    const gen = Atomics.load(cells, GEN);
    if (Atomics.load(cells, FLAG) === 1) return true;
    yield { cells, index: GEN, value: gen, deadline };
    return Atomics.load(cells, FLAG) === 1;
  }

  /** @ignore */
  [reduce](): Reduced {
    return reduced("Event", this.#cells);
  }
}

registerShareable(
  "Event",
  (cells) => new Event(new Adopted(cells as Int32Array)),
);
