// A batch that `postMessage` refused: find the tasks that cannot be cloned,
// and reject each with a TypeError naming the argument at fault.
import { clones } from "../_core/codec.ts";
import { CALL, ITEM, MAP } from "../_core/protocol.ts";
import { describe } from "../_core/validate.ts";
import type { Task } from "./_slot.ts";

/** Rejects a task that cannot be cloned with a TypeError naming the culprit. */
export function sendable(task: Task): boolean {
  if (clones(task.payload)) return true;
  task.job.rejectTask(
    task.index,
    new TypeError(
      `Cannot submit task to the pool: ${
        culprit(task)
      } could not be sent to a worker`,
    ),
  );
  return false;
}

/** Names the first argument of `task` that cannot be cloned. */
function culprit(task: Task): string {
  if (task.kind === ITEM) {
    return `iterable[${task.start}] (${describe(task.payload)})`;
  }
  const items = task.payload as unknown[];
  // An apply task has no position in an iterable (start -1).
  const at = task.start < 0 ? "args" : `iterable[${task.start}]`;
  for (let i = 0; i < items.length; i++) {
    if (task.kind === CALL) {
      if (!clones(items[i])) return `${at}[${i}] (${describe(items[i])})`;
    } else if (task.kind === MAP) {
      if (!clones(items[i])) {
        return `iterable[${task.start + i}] (${describe(items[i])})`;
      }
    } else {
      const args = items[i] as unknown[];
      for (let j = 0; j < args.length; j++) {
        if (!clones(args[j])) {
          return `iterable[${task.start + i}][${j}] (${describe(args[j])})`;
        }
      }
    }
  }
  return "an argument";
}
