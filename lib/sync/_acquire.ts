// What Lock, RLock and Semaphore share around their own acquire and release:
// option checks, the scoped `hold()` handles, and the hooks a Condition uses
// to let go of its lock while it waits.
import type { Steps } from "./_futex.ts";
import { describe, optionsObject } from "../_core/validate.ts";
import { TimeoutError } from "../errors.ts";
import { checkTimeout, deadlineOf } from "../_core/timeout.ts";
import type { AcquireAsyncOptions, AcquireOptions } from "./acquire_options.ts";

const ACQUIRE_OPTIONS = ["block", "timeout"] as const;
const ASYNC_OPTIONS = ["timeout"] as const;

/**
 * Checks acquire options; returns the deadline (`performance.now()` ms,
 * `Infinity` for none), or `null` for a non-blocking attempt.
 */
export function acquireDeadline(
  what: string,
  options: AcquireOptions | undefined,
): number | null {
  const { block = true, timeout } = optionsObject(
    what,
    options,
    ACQUIRE_OPTIONS,
  );
  if (typeof block !== "boolean") {
    throw new TypeError(
      `Cannot ${what}: "block" must be a boolean, received ${describe(block)}`,
    );
  }
  const ms = checkTimeout(what, timeout);
  return block ? deadlineOf(ms) : null;
}

/** Checks async acquire options; returns the deadline, `Infinity` for none. */
export function asyncDeadline(
  what: string,
  options: AcquireAsyncOptions | undefined,
): number {
  const { timeout } = optionsObject(what, options, ASYNC_OPTIONS);
  return deadlineOf(checkTimeout(what, timeout));
}

/** A handle whose disposal calls `release`; one per lock, reused. */
export function releaser(release: () => void): Disposable {
  return { [Symbol.dispose]: release };
}

/** Returns `handle` when `acquired`, else throws the timeout of a `hold`. */
export function held(
  what: string,
  acquired: boolean,
  options: AcquireAsyncOptions | undefined,
  handle: Disposable,
): Disposable {
  if (acquired) return handle;
  throw new TimeoutError(
    `Cannot ${what}: not acquired within ${options?.timeout} ms`,
  );
}

/** Whether this thread may release the lock (for a `Lock`: it is held). */
export const isOwned: unique symbol = Symbol("isOwned");
/** Releases the lock completely; returns what `restore` needs to retake it. */
export const releaseAll: unique symbol = Symbol("releaseAll");
/** Retakes a lock released by `releaseAll`, waiting as long as it takes. */
export const restore: unique symbol = Symbol("restore");

/** A lock a `Condition` can be built on: `Lock` or `RLock`. */
export interface ConditionLock {
  [isOwned](): boolean;
  [releaseAll](): number;
  [restore](saved: number): Steps<void>;
}
