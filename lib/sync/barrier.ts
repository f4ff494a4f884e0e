/**
 * `Barrier`: a meeting point in shared memory for a fixed number of threads.
 *
 * @module
 */
import {
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import {
  compile,
  type FunctionRef,
  functionRef,
  loadedExport,
  moduleUrls,
  resolveFunction,
} from "../_core/function_ref.ts";
import {
  block,
  blockAsync,
  lockSteps,
  notify,
  type Steps,
  unlock,
} from "./_futex.ts";
import { Adopted, adoptedOr, sharedCells } from "../_core/shared.ts";
import { describe, optionsObject } from "../_core/validate.ts";
import { BrokenBarrierError } from "../errors.ts";
import { checkTimeout, deadlineOf } from "../_core/timeout.ts";

/** Options of {@linkcode Barrier}. */
export interface BarrierOptions {
  /**
   * Called by the last thread to arrive, before any is let through. An
   * export of a module listed in `module` runs in other threads as that
   * export (it may use its module's state and imports); any other function
   * goes as source text and must be self-contained.
   */
  action?: () => void;
  /**
   * Modules whose exports go by reference, as for `Process`: usually
   * `import.meta.url`.
   */
  module?: string | URL | readonly (string | URL)[];
  /** The default timeout of `wait()`, in milliseconds. @default undefined (none) */
  timeout?: number;
}

// The shared words; STATE and COUNT change only under MUTEX, and every
// change others wait for bumps SEQ, which they wait on.
const MUTEX = 0;
const STATE = 1;
const COUNT = 2;
const SEQ = 3;
const PARTIES = 4;

// Python's states: threads arrive while FILLING and leave while DRAINING;
// reset() drains through RESETTING; abort() or a timeout makes it BROKEN.
const FILLING = 0;
const DRAINING = 1;
const RESETTING = -1;
const BROKEN = -2;

interface BarrierState {
  cells: Int32Array;
  timeout: number | undefined;
  action: FunctionRef | undefined;
}

/**
 * A barrier for `parties` threads, like Python's `multiprocessing.Barrier`:
 * each `wait()` blocks until `parties` threads are waiting, then all go on
 * together, and the barrier is ready for the next round. `abort()`, a
 * timeout, or a throwing `action` break it: waiters then throw
 * `BrokenBarrierError` until `reset()`.
 *
 * `wait()` blocks its thread (right in worker code); on the main thread use
 * `waitAsync()`, which never blocks the event loop.
 *
 * @example Usage
 * ```ts
 * import { Barrier, BrokenBarrierError } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(2);
 * const [a, b] = await Promise.all([barrier.waitAsync(), barrier.waitAsync()]);
 * assert.deepEqual([a, b].sort(), [0, 1]);
 * barrier.abort();
 * assert.equal(barrier.broken, true);
 * await assert.rejects(barrier.waitAsync(), BrokenBarrierError);
 * ```
 */
export class Barrier {
  #cells: Int32Array;
  #timeout: number | undefined;
  #action: (() => void) | undefined;
  #actionRef: FunctionRef | undefined;
  /** Resolves once the action's module is loaded (rebuilt barriers). */
  #pending: Promise<void> | undefined;

  /**
   * Creates a barrier for `parties` threads.
   *
   * @param parties How many threads each round waits for; an integer >= 1.
   * @param options `action` and the default `timeout`.
   * @throws {TypeError} If an argument is of the wrong type.
   * @throws {RangeError} If `parties` is not a positive integer.
   */
  constructor(parties: number, options?: BarrierOptions);
  /** @ignore The state of a rebuilt barrier. */
  constructor(
    parties: number,
    options: undefined,
    memory: Adopted<BarrierState>,
  );
  constructor(
    parties: number,
    options?: BarrierOptions,
    memory?: Adopted<BarrierState>,
  ) {
    const what = "create Barrier";
    const given = adoptedOr<BarrierState | null>(memory, () => null);
    if (given !== null) {
      this.#cells = given.cells;
      this.#timeout = given.timeout;
      this.#actionRef = given.action;
      this.#action = given.action && this.#rebuildAction(given.action);
      return;
    }
    if (!Number.isInteger(parties) || parties < 1) {
      throw new (typeof parties === "number" ? RangeError : TypeError)(
        `Cannot ${what}: parties must be an integer >= 1, received ${
          describe(parties)
        }`,
      );
    }
    const { action, timeout, module } = optionsObject(what, options, [
      "action",
      "timeout",
      "module",
    ]);
    this.#timeout = checkTimeout(what, timeout);
    const modules = moduleUrls(what, module);
    this.#actionRef = action && functionRef(what, "action", action, modules);
    this.#action = action;
    this.#cells = sharedCells(
      undefined,
      5,
      (cells) => cells[PARTIES] = parties,
    );
  }

  /** How many threads each round waits for. */
  get parties(): number {
    return this.#cells[PARTIES];
  }

  /** How many threads are waiting in the current round. */
  get nWaiting(): number {
    const cells = this.#cells;
    return Atomics.load(cells, STATE) === FILLING
      ? Atomics.load(cells, COUNT)
      : 0;
  }

  /** Whether the barrier is broken (aborted, timed out, or its action threw). */
  get broken(): boolean {
    return Atomics.load(this.#cells, STATE) === BROKEN;
  }

  /**
   * Blocks this thread until `parties` threads wait, then lets them all go.
   *
   * @param timeoutMs The longest wait, in milliseconds; defaults to the
   * barrier's `timeout`. A timeout breaks the barrier.
   * @returns This thread's arrival index in its round, 0 to `parties` − 1.
   * @throws {BrokenBarrierError} If the barrier is or gets broken.
   */
  wait(timeoutMs?: number): number {
    return block(this.#waitSteps(this.#deadline(timeoutMs)));
  }

  /**
   * Like {@linkcode Barrier.wait}, without blocking the event loop.
   *
   * @param timeoutMs The longest wait, in milliseconds; defaults to the
   * barrier's `timeout`. A timeout breaks the barrier.
   * @returns A promise of this thread's arrival index in its round.
   * @throws {BrokenBarrierError} If the barrier is or gets broken.
   */
  async waitAsync(timeoutMs?: number): Promise<number> {
    const deadline = this.#deadline(timeoutMs);
    if (this.#pending !== undefined) await this.#pending;
    return await blockAsync(this.#waitSteps(deadline));
  }

  /** Breaks the barrier: current and future waiters throw until `reset()`. */
  abort(): void {
    block(this.#locked(() => this.#break()));
  }

  /**
   * Returns the barrier to its initial state; threads waiting in the
   * current round throw `BrokenBarrierError`.
   */
  reset(): void {
    block(this.#locked(() => {
      const cells = this.#cells;
      if (cells[COUNT] > 0) {
        if (cells[STATE] === FILLING || cells[STATE] === BROKEN) {
          cells[STATE] = RESETTING;
        }
      } else cells[STATE] = FILLING;
      this.#wakeAll();
    }));
  }

  /** @ignore */
  [reduce](): Reduced {
    const state: BarrierState = {
      cells: this.#cells,
      timeout: this.#timeout,
      action: this.#actionRef,
    };
    return reduced("Barrier", state);
  }

  /**
   * The action in a rebuilt barrier: the export itself when its module is
   * loaded here (the usual case: the task came from the same module), else
   * the source text until the module has loaded.
   */
  #rebuildAction(ref: FunctionRef): () => void {
    const found = loadedExport(ref);
    if (found !== undefined) return found as () => void;
    if (ref.modules.length > 0) {
      this.#pending = resolveFunction(ref).then(
        (fn) => void (this.#action = fn as () => void),
        () => {},
      );
    }
    return compile(ref) as () => void;
  }

  #deadline(timeoutMs: number | undefined): number {
    return deadlineOf(
      checkTimeout("wait on Barrier", timeoutMs) ?? this.#timeout,
    );
  }

  *#locked(body: () => void): Steps<void> {
    yield* lockSteps(this.#cells, MUTEX, Infinity);
    try {
      body();
    } finally {
      unlock(this.#cells, MUTEX);
    }
  }

  #wakeAll(): void {
    Atomics.add(this.#cells, SEQ, 1);
    notify(this.#cells, SEQ);
  }

  #break(): void {
    this.#cells[STATE] = BROKEN;
    this.#wakeAll();
  }

  /** Lets the mutex go, waits for SEQ to move on, retakes the mutex. */
  *#sleep(deadline: number): Steps<boolean> {
    const cells = this.#cells;
    const seq = Atomics.load(cells, SEQ);
    unlock(cells, MUTEX);
    const woken = yield { cells, index: SEQ, value: seq, deadline };
    yield* lockSteps(cells, MUTEX, Infinity);
    return woken;
  }

  *#waitSteps(deadline: number): Steps<number> {
    const cells = this.#cells;
    yield* lockSteps(cells, MUTEX, Infinity);
    try {
      while (cells[STATE] === DRAINING || cells[STATE] === RESETTING) {
        yield* this.#sleep(Infinity);
      }
      if (cells[STATE] === BROKEN) throw brokenError();
      const index = cells[COUNT]++;
      try {
        if (index + 1 === cells[PARTIES]) this.#trip();
        else {
          while (cells[STATE] === FILLING) {
            if (!(yield* this.#sleep(deadline)) && cells[STATE] === FILLING) {
              this.#break();
            }
          }
          if (cells[STATE] !== DRAINING) throw brokenError();
        }
        return index;
      } finally {
        const state = cells[STATE];
        if (
          --cells[COUNT] === 0 && (state === DRAINING || state === RESETTING)
        ) {
          cells[STATE] = FILLING;
          this.#wakeAll();
        }
      }
    } finally {
      unlock(cells, MUTEX);
    }
  }

  #trip(): void {
    try {
      this.#action?.();
    } catch (error) {
      this.#break();
      throw error;
    }
    this.#cells[STATE] = DRAINING;
    this.#wakeAll();
  }
}

function brokenError(): BrokenBarrierError {
  return new BrokenBarrierError("Cannot wait on Barrier: it is broken");
}

registerShareable(
  "Barrier",
  (state) => new Barrier(0, undefined, new Adopted(state as BarrierState)),
);
