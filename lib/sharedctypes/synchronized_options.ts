// The `lock` option of Value and Array.
import type { Lock, RLock } from "../sync/lock.ts";

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
