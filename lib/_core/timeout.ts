// One rule for every timeout in the library, as for Python's multiprocessing
// objects: milliseconds; omitted, `null` or `Infinity` waits forever; a
// negative value means "don't wait". And timers that honour any delay:
// `setTimeout` fires at once for delays of 2^31 ms or more.
import { describe } from "./validate.ts";

/** The longest delay `setTimeout` honours. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Checks an optional timeout in milliseconds. Returns `undefined` when none
 * was given (`undefined` or `null`: wait forever, or the caller's default),
 * 0 for a negative one (don't wait), else the timeout (`Infinity` included).
 */
export function checkTimeout(
  what: string,
  timeout: unknown,
): number | undefined {
  if (timeout === undefined || timeout === null) return undefined;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw new TypeError(
      `Cannot ${what}: timeout must be a number of milliseconds, received ${
        describe(timeout)
      }`,
    );
  }
  return timeout < 0 ? 0 : timeout;
}

/** The `performance.now()` by which a wait of `timeoutMs` gives up. */
export function deadlineOf(timeoutMs: number | undefined): number {
  return timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
}

/** A pending {@linkcode startTimer}; `clear()` cancels it. */
export interface Timer {
  clear(): void;
}

/**
 * Calls `callback` once `ms` milliseconds have passed, however long that is
 * (`Infinity`: never). Like `setTimeout`, a pending timer keeps the process
 * alive.
 */
export function startTimer(ms: number, callback: () => void): Timer {
  const deadline = performance.now() + ms;
  let handle: ReturnType<typeof setTimeout> | undefined;
  function arm(): void {
    const left = deadline - performance.now();
    if (left <= 0) return callback();
    handle = setTimeout(arm, Math.min(left, MAX_DELAY));
  }
  if (ms !== Infinity) arm();
  return { clear: () => clearTimeout(handle) };
}

/**
 * Waits until `promise` settles or `ms` milliseconds pass (`undefined` or
 * `Infinity`: no limit). Resolves `true` if it settled in time; never rejects.
 */
export function settlesWithin(
  promise: Promise<unknown>,
  ms: number | undefined,
): Promise<boolean> {
  const settled = promise.then(() => true, () => true);
  if (ms === undefined || ms === Infinity) return settled;
  let timer: Timer | undefined;
  return Promise.race([
    settled,
    new Promise<boolean>((resolve) => {
      timer = startTimer(ms, () => resolve(false));
    }),
  ]).finally(() => timer!.clear());
}
