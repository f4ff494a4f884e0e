// How a queue's `put`/`get` options become a deadline (see `_core/timeout.ts`),
// its `maxsize` a message limit, and a refused put or get an error.
import { describe, optionsObject } from "../_core/validate.ts";
import { checkTimeout, deadlineOf } from "../_core/timeout.ts";
import type { QueueAsyncOptions, QueueOptions } from "./queue_options.ts";
import type { Refused } from "./_ring_layout.ts";
import { Empty, Full, ShutDown } from "../errors.ts";

const SYNC_OPTIONS = ["block", "timeout"] as const;
const ASYNC_OPTIONS = ["timeout"] as const;
/** The deadline of a call that does not wait. */
export const NOW = 0;

/** The deadline of a sync call: now when `block` is false. */
export function deadline(
  what: string,
  options: QueueOptions | undefined,
): number {
  const { block = true, timeout } = optionsObject(what, options, SYNC_OPTIONS);
  if (typeof block !== "boolean") {
    throw new TypeError(
      `Cannot ${what}: "block" must be a boolean, received ${describe(block)}`,
    );
  }
  const ms = checkTimeout(what, timeout);
  return block ? deadlineOf(ms) : NOW;
}

/** The deadline of an async call. */
export function asyncDeadline(
  what: string,
  options: QueueAsyncOptions | undefined,
): number {
  const { timeout } = optionsObject(what, options, ASYNC_OPTIONS);
  return deadlineOf(checkTimeout(what, timeout));
}

/** The most items a queue holds: no limit is 2³¹ − 1. */
const UNBOUNDED = 0x7fffffff;

/**
 * The message limit of a queue of `maxsize` (0 or less for none).
 *
 * @throws {TypeError} If `maxsize` is not a number.
 * @throws {RangeError} If it is not an integer, or above 2³¹ − 1.
 */
export function messageLimit(what: string, maxsize: unknown): number {
  if (typeof maxsize !== "number") {
    throw new TypeError(
      `Cannot ${what}: maxsize must be a number, received ${describe(maxsize)}`,
    );
  }
  if (
    !(Number.isInteger(maxsize) || maxsize === -Infinity) ||
    maxsize > UNBOUNDED
  ) {
    throw new RangeError(
      `Cannot ${what}: maxsize must be an integer up to ${UNBOUNDED} (0 or less for no limit), received ${maxsize}`,
    );
  }
  return maxsize <= 0 ? UNBOUNDED : maxsize;
}

/** The error of a put the ring refused (`what`: "put item on Queue"). */
export function putRefused(what: string, why: Refused): Error {
  return why === "shutdown"
    ? new ShutDown(`Cannot ${what}: it is shut down`)
    : new Full(`Cannot ${what}: it is full`);
}

/** The error of a get the ring refused. */
export function getRefused(what: string, why: Refused): Error {
  return why === "shutdown"
    ? new ShutDown(`Cannot ${what}: it is shut down and empty`)
    : new Empty(`Cannot ${what}: it is empty`);
}
