// The `lock` option of Value and Array, as in Python's sharedctypes:
// `true` (the default) or `null` (Python's `None`) makes a new RLock, a given Lock or RLock is used as
// is, `false` asks for the raw object.
import { describe, optionsObject } from "../_core/validate.ts";
import { Lock, RLock } from "../sync/lock.ts";
import type { SynchronizedOptions } from "./synchronized_options.ts";

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
