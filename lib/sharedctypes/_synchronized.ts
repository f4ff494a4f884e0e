// The `lock` option of Value and Array, as in Python's sharedctypes:
// `true` (the default) or `null` (Python's `None`) makes a new RLock, a given Lock or RLock is used as
// is, `false` asks for the raw object.
import { describe, optionsObject } from "../_core/validate.ts";
import { Lock, RLock } from "../sync/lock.ts";

/** Options of `Value` and `Array`. */
export interface SynchronizedOptions {
  /**
   * The lock that guards the object: `true` or `null` (Python's `None`)
   * for a new `RLock`, a `Lock` or `RLock` to share one, or `false` for the
   * raw object without a lock.
   * @default true
   */
  lock?: boolean | Lock | RLock | null;
}

/** Checks the options; returns the lock to use, or `null` for a raw object. */
export function lockOption(
  what: string,
  options: SynchronizedOptions | undefined,
): Lock | RLock | null {
  const { lock = true } = optionsObject(what, options, ["lock"]);
  if (lock === true || lock === null) return new RLock();
  if (lock === false) return null;
  if (lock instanceof Lock || lock instanceof RLock) return lock;
  throw new TypeError(
    `Cannot ${what}: "lock" must be a boolean, null, a Lock or an RLock, received ${
      describe(lock)
    }`,
  );
}
