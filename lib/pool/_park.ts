// The worker side of a pool worker's mailbox (see `_mailbox.ts`). Once the
// worker has nothing of its own to do, it parks: it waits on the mailbox
// and runs each task the parent puts there, answering through the mailbox
// too. It waits in one of two ways, whichever wakes it sooner on this
// runtime (`runtime.wakesFasterAsync`):
// - blocked in `Atomics.wait` (Deno, Node). Its event loop is stopped
//   meanwhile (its timers, its promises, the parent's messages), so it
//   parks for at most SLICE_MS at a time (so a timer fires up to SLICE_MS
//   late, and a worker terminated within SLICE_MS of a task may not have
//   run that task's timers), gives its event loop a turn, and parks again;
//   after IDLE_MS without a task it stops parking until a message brings
//   work.
// - awaiting `Atomics.waitAsync` in its event loop (Bun), which keeps
//   running: timers fire on time and messages are read as they come, so it
//   stays parked until a message or the end.
// A task that returns a promise sends the worker back to its event loop
// until the promise settles.
import { runtime } from "../_runtime/mod.ts";
import {
  AWAY,
  Mailbox,
  MESSAGES,
  PARKED,
  POSTED,
  RECEIVED,
  REPLY,
  REPLY_LENGTH,
  SKIPPED,
  STATE,
  TASK,
} from "./_mailbox.ts";

/** The longest the event loop waits while the worker is parked. */
const SLICE_MS = 2;
/** How long after its last task the worker keeps parking. */
const IDLE_MS = 50;

/** What the mailbox needs from the worker. */
export interface MailboxHooks {
  /** Whether the worker has work of its own (then it does not park). */
  busy(): boolean;
  /**
   * Runs task number `seq`; returns its result `[busyMs, id, status, value]`,
   * `[]` if the parent took it back, or a promise of either.
   */
  run(
    seq: number,
    id: number,
    fnId: number,
    kind: number,
    payload: unknown,
  ): unknown[] | Promise<unknown[]>;
  /** Sends a result by message. */
  post(results: unknown[]): void;
}

let box: Mailbox | null = null;
let hooks: MailboxHooks;
let lastTask = 0;
/** A mailbox task returned a promise that has not settled. */
let settling = false;
let received = 0;
/** Messages from the parent handled (see `MESSAGES`). */
let handled = 0;
/** An `Atomics.waitAsync` on STATE has not resolved yet (see `watch`). */
let watching = false;

/** Starts using the mailbox in `buffer`. */
export function openMailbox(
  buffer: SharedArrayBuffer,
  mailboxHooks: MailboxHooks,
): void {
  box = new Mailbox(buffer);
  hooks = mailboxHooks;
  lastTask = performance.now();
}

/** Counts a message from the parent, and the tasks it brought. */
export function countMessage(tasks: number): void {
  handled++;
  countReceived(tasks);
}

/** Counts tasks received (see `RECEIVED`). */
function countReceived(count: number): void {
  received += count;
  if (box !== null) Atomics.store(box.cells, RECEIVED, received);
}

/**
 * Waits on the mailbox and serves its tasks, for up to SLICE_MS; returns
 * at once if the worker has work of its own.
 */
export function park(): void {
  if (box === null || settling || hooks.busy()) return;
  const cells = box.cells;
  // Fails on STOP (the worker is being terminated) or if already parked.
  if (Atomics.compareExchange(cells, STATE, AWAY, PARKED) !== AWAY) return;
  if (runtime.wakesFasterAsync) {
    // A wait still pending was woken by the move that took us out of
    // PARKED, and goes on watching once it resolves.
    if (!watching) watch(box);
    return;
  }
  const until = performance.now() + SLICE_MS;
  for (;;) {
    if (!serveTasks(box)) return;
    // Just moved to PARKED: a message counted before that must not wait
    // behind us (see `_mailbox.ts`); read it first.
    const posted = Atomics.load(cells, MESSAGES) !== handled;
    const left = posted ? 0 : until - performance.now();
    if (left > 0) {
      // Returns at once unless STATE is still PARKED; every move away from
      // PARKED by the parent is followed by a notify.
      Atomics.wait(cells, STATE, PARKED, left);
      continue;
    }
    // The slice is over, or a message waits. A task that arrived meanwhile
    // is served first.
    if (Atomics.compareExchange(cells, STATE, PARKED, AWAY) !== PARKED) {
      continue;
    }
    // Handling a message parks us again.
    if (!posted && performance.now() - lastTask < IDLE_MS) setImmediate(park);
    return;
  }
}

/**
 * Parked in the event loop: serves the mailbox's tasks, and awaits each move
 * of STATE away from PARKED with `Atomics.waitAsync`, which resolves at once
 * if STATE is no longer PARKED, and on the notify that follows every move
 * away from PARKED by the parent.
 */
function watch(mailbox: Mailbox): void {
  const cells = mailbox.cells;
  for (;;) {
    if (!serveTasks(mailbox)) return;
    // A message counted before our move to PARKED must be handled before the
    // parent may use the mailbox (it may bring the task's function): leave.
    if (Atomics.load(cells, MESSAGES) !== handled) {
      if (Atomics.compareExchange(cells, STATE, PARKED, AWAY) !== PARKED) {
        continue;
      }
      return;
    }
    const waited = Atomics.waitAsync(cells, STATE, PARKED);
    if (!waited.async) continue;
    watching = true;
    void waited.value.then(() => {
      watching = false;
      watch(mailbox);
    });
    return;
  }
}

/**
 * Serves the tasks the mailbox holds; returns whether the worker is still
 * PARKED, with no task. Otherwise it is AWAY (the parent kicked it out to
 * read the message it posted, which parks it again once handled, or a task
 * returned a promise) or STOP (it is being terminated).
 */
function serveTasks(mailbox: Mailbox): boolean {
  for (;;) {
    const state = Atomics.load(mailbox.cells, STATE);
    if (state !== TASK) return state === PARKED;
    if (!serve(mailbox)) return false;
  }
}

/** Runs the mailbox's task; returns whether the worker stays parked. */
function serve(mailbox: Mailbox): boolean {
  lastTask = performance.now();
  const [seq, id, fnId, kind, payload] = mailbox.readTask();
  // The parent sends by mailbox only once we have seen every task it
  // posted (RECEIVED) and handled them (we only park when not busy), so
  // `seq` is the number of the next task.
  countReceived(1);
  const results = hooks.run(seq, id, fnId, kind, payload);
  if (!(results instanceof Promise)) {
    answer(mailbox, results);
    return true;
  }
  // Back to the event loop until the promise settles; the parent sends
  // nothing while this task is out.
  Atomics.compareExchange(mailbox.cells, STATE, TASK, AWAY);
  settling = true;
  void results.then((settled) => {
    settling = false;
    answer(mailbox, settled);
    park();
  });
  return false;
}

/** Hands `results` to the parent: writes them, then bumps REPLY. */
function answer(mailbox: Mailbox, results: unknown[]): void {
  const cells = mailbox.cells;
  if (results.length === 0) Atomics.store(cells, REPLY_LENGTH, SKIPPED);
  else if (!mailbox.writeResult(results)) {
    hooks.post(results);
    Atomics.store(cells, REPLY_LENGTH, POSTED);
  }
  // Parked again before the parent can see the reply, so that its next
  // task finds us waiting. Fails harmlessly on AWAY (a promise) or STOP.
  Atomics.compareExchange(cells, STATE, TASK, PARKED);
  Atomics.add(cells, REPLY, 1);
  Atomics.notify(cells, REPLY);
}
