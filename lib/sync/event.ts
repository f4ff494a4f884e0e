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
import { notify, waitWhile, waitWhileAsync } from "./_futex.ts";
import { rebuildOver, sharedCells } from "../_core/shared.ts";
import { checkTimeout, deadlineOf } from "../_core/timeout.ts";

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
  constructor() {
    this.#cells = sharedCells(1);
  }

  /** Whether the flag is set. */
  isSet(): boolean {
    return Atomics.load(this.#cells, 0) === 1;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    Atomics.store(this.#cells, 0, 1);
    notify(this.#cells, 0);
  }

  /** Lowers the flag. */
  clear(): void {
    Atomics.store(this.#cells, 0, 0);
  }

  /**
   * Blocks this thread until the flag is set.
   *
   * @param timeoutMs The longest wait, in milliseconds; none by default.
   * @returns The flag: `false` only if the wait timed out.
   * @throws {TypeError} If `timeoutMs` is not a number.
   */
  wait(timeoutMs?: number): boolean {
    const deadline = deadlineOf(checkTimeout("wait on Event", timeoutMs));
    return waitWhile(this.#cells, 0, 0, deadline);
  }

  /**
   * Waits until the flag is set without blocking the event loop.
   *
   * @param timeoutMs The longest wait, in milliseconds; none by default.
   * @returns A promise of the flag: `false` only if the wait timed out.
   * @throws {TypeError} If `timeoutMs` is not a number.
   */
  async waitAsync(timeoutMs?: number): Promise<boolean> {
    const deadline = deadlineOf(checkTimeout("wait on Event", timeoutMs));
    return await waitWhileAsync(this.#cells, 0, 0, deadline);
  }

  /** @ignore */
  [reduce](): Reduced {
    return reduced("Event", this.#cells);
  }
}

registerShareable(
  "Event",
  (cells) => rebuildOver(cells, () => new Event()),
);
