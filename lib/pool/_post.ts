// Posting a batch of tasks to a pool worker in one message, with the
// functions it has not seen yet. If `postMessage` refuses the batch, the
// tasks that cannot be cloned reject with a TypeError naming the argument
// at fault, and the others go.
import { clones } from "../_core/codec.ts";
import type { FunctionRef } from "../_core/function_ref.ts";
import { CALL, ITEM, MAP, type PoolTasks } from "../_core/protocol.ts";
import { describe } from "../_core/validate.ts";
import type { Slot, Task } from "./_slot.ts";

/**
 * Posts `batch` to `slot`'s worker; `refs` are the functions by id. Returns
 * the tasks sent.
 */
export function postTasks(
  slot: Slot,
  batch: Task[],
  refs: readonly FunctionRef[],
): Task[] {
  if (batch.length === 0) return batch;
  let fns: (number | FunctionRef)[] | null = null;
  const tasks = new globalThis.Array(batch.length * 4);
  for (let i = 0; i < batch.length; i++) {
    const task = batch[i];
    if (!slot.known[task.fnId] && !fns?.includes(task.fnId)) {
      (fns ??= []).push(task.fnId, refs[task.fnId]);
    }
    tasks[i * 4] = task.id;
    tasks[i * 4 + 1] = task.fnId;
    tasks[i * 4 + 2] = task.kind;
    tasks[i * 4 + 3] = task.payload;
  }
  const message: PoolTasks = { type: "pool-tasks", fns, tasks };
  try {
    slot.post(message);
  } catch {
    return postTasks(slot, batch.filter(sendable), refs);
  }
  for (let i = 0; fns !== null && i < fns.length; i += 2) {
    slot.known[fns[i] as number] = true;
  }
  return batch;
}

/** Rejects a task that cannot be cloned with a TypeError naming the culprit. */
function sendable(task: Task): boolean {
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
