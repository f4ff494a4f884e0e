// How a queue's `put`/`get` options become a deadline (see `_core/timeout.ts`).
import { describe, optionsObject } from "../_core/validate.ts";
import { checkTimeout, deadlineOf } from "../_core/timeout.ts";
import type { QueueAsyncOptions, QueueOptions } from "./queue_options.ts";

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
