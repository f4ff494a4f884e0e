// One pool worker as the dispatcher sees it: the tasks sent to it in order,
// and two ints it shares with the worker that say which of them it started
// and finished. They let the dispatcher take back tasks the worker has not
// started (the worker claims each task with a compare-exchange before it
// runs it), and tell, when the worker dies, the task it was running from
// those it never started.
import type { WorkerHandle } from "../_runtime/mod.ts";
import { CLAIMED, FINISHED } from "../_core/protocol.ts";
import { WorkerExitError } from "../errors.ts";
import type { Job } from "./_jobs.ts";
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
  STOP,
  TASK,
} from "./_mailbox.ts";

/** One call (or chunk of calls) of a job's function in a worker. */
export interface Task {
  readonly id: number;
  readonly job: Job;
  /** The task's index within its job (the chunk number). */
  readonly index: number;
  /** Index in the job's input of the first item this task carries. */
  readonly start: number;
  readonly fnId: number;
  readonly kind: number;
  readonly payload: unknown;
  /** Its number in the stream of tasks sent to one worker. */
  seq: number;
}

/** A pool worker and the tasks it holds. */
export class Slot {
  readonly handle: WorkerHandle;
  readonly name: string;
  readonly pid: number;
  /** `[CLAIMED]`, `[FINISHED]`: see `protocol.ts`. */
  readonly cells: Int32Array;
  /** Function ids this worker has been sent. */
  readonly known: boolean[] = [];
  /** Tasks sent and not answered, in the order sent. */
  #tasks: Task[] = [];
  #head = 0;
  #nextSeq = 0;
  /** Tasks sent, minus those taken back (for `maxtasksperchild`). */
  sent = 0;
  /** Tasks answered. */
  finished = 0;
  refed = false;
  /** Told to exit once its tasks are done. */
  retiring = false;
  /** Did not start a task for a whole steal period while holding more. */
  stalled = false;
  /** `CLAIMED` as the last steal check saw it. */
  lastClaimed = 0;
  /** The worker's mailbox: see `_mailbox.ts`. */
  readonly box: Mailbox;
  /** A task is out through the mailbox. */
  boxed = false;
  /** Replies seen on the mailbox. */
  #replies = 0;

  constructor(
    handle: WorkerHandle,
    name: string,
    pid: number,
    cells: Int32Array,
    mailbox: SharedArrayBuffer,
  ) {
    this.handle = handle;
    this.name = name;
    this.pid = pid;
    this.cells = cells;
    this.box = new Mailbox(mailbox);
  }

  /**
   * Posts `message` to the worker, first waking it if it waits on its
   * mailbox, so that it goes back to its event loop and reads the message.
   * Nothing is posted while a mailbox task is out (STATE is never TASK here).
   */
  post(message: unknown): void {
    const cells = this.box.cells;
    Atomics.add(cells, MESSAGES, 1);
    this.handle.postMessage(message);
    if (Atomics.compareExchange(cells, STATE, PARKED, AWAY) === PARKED) {
      Atomics.notify(cells, STATE);
    }
  }

  /**
   * Hands `task` to the worker through its mailbox if it waits there, holds
   * nothing else and knows the function; false if it must be posted.
   */
  sendBoxed(task: Task): boolean {
    const cells = this.box.cells;
    if (
      this.boxed || this.inflight > 0 || !this.known[task.fnId] ||
      Atomics.load(cells, STATE) !== PARKED ||
      Atomics.load(cells, RECEIVED) !== this.#nextSeq ||
      !this.box.writeTask(
        this.#nextSeq,
        task.id,
        task.fnId,
        task.kind,
        task.payload,
      ) ||
      // The worker may have left meanwhile: then the task is posted.
      Atomics.compareExchange(cells, STATE, PARKED, TASK) !== PARKED
    ) return false;
    Atomics.notify(cells, STATE);
    this.boxed = true;
    this.sentTasks([task]);
    return true;
  }

  /**
   * The worker is going away: it must not wait on its mailbox any more
   * (Deno cannot terminate a thread blocked in `Atomics.wait`), and the
   * parent stops waiting for a mailbox reply.
   */
  closeBox(): void {
    const cells = this.box.cells;
    Atomics.store(cells, STATE, STOP);
    Atomics.notify(cells, STATE);
    this.boxed = false;
    Atomics.notify(cells, REPLY);
  }

  /** How many of the tasks sent it has started or skipped. */
  claimed(): number {
    return Atomics.load(this.cells, CLAIMED);
  }

  /**
   * The answer to the task out through the mailbox, if the worker has given
   * it: its results, `[]` if the worker did not start it, or null if the
   * result comes by message or the worker is gone; undefined if it has not
   * answered yet.
   */
  replied(): unknown[] | null | undefined {
    const cells = this.box.cells;
    if (Atomics.load(cells, REPLY) === this.#replies) {
      return this.boxed ? undefined : null;
    }
    this.#replies++;
    if (!this.boxed) return null;
    this.boxed = false;
    const length = Atomics.load(cells, REPLY_LENGTH);
    if (length === POSTED) return null;
    return length === SKIPPED ? [] : this.box.readResult();
  }

  /**
   * `replied()`, asked again and again for up to `ms` (once if 0): a tiny
   * task's answer comes sooner than this thread would wake up for it.
   */
  pollReply(ms: number): unknown[] | null | undefined {
    const until = performance.now() + ms;
    let results = this.replied();
    while (results === undefined && performance.now() < until) {
      results = this.replied();
    }
    return results;
  }

  /**
   * The answer to the task out through the mailbox, as `replied()` gives it,
   * once the worker has given it. Cannot miss it: `waitAsync` resolves at
   * once if REPLY has moved, the worker notifies after moving it, and
   * `closeBox()` notifies too.
   */
  async reply(): Promise<unknown[] | null> {
    const cells = this.box.cells;
    for (;;) {
      const results = this.replied();
      if (results !== undefined) return results;
      const waited = Atomics.waitAsync(cells, REPLY, this.#replies);
      if (waited.async) await waited.value;
    }
  }

  /** Keeps the process alive while the worker runs (see `#unrefIdle`). */
  ref(): void {
    if (this.refed) return;
    this.handle.ref();
    this.refed = true;
  }

  /** Whether any task was ever sent to the worker (taken back or not). */
  get everTasked(): boolean {
    return this.#nextSeq > 0;
  }

  /** Tasks sent and not answered. */
  get inflight(): number {
    return this.#tasks.length - this.#head;
  }

  /** Whether some task sent to this worker has not been started. */
  hasUnstarted(): boolean {
    return this.claimed() < this.#nextSeq;
  }

  /** Records tasks just posted to the worker, in order. */
  sentTasks(tasks: readonly Task[]): void {
    for (const task of tasks) {
      task.seq = this.#nextSeq++;
      this.#tasks.push(task);
    }
    this.sent += tasks.length;
  }

  /** The unanswered task `id`, removed; results come in the order sent. */
  answer(id: number): Task | undefined {
    const tasks = this.#tasks;
    let at = this.#head;
    while (at < tasks.length && tasks[at].id !== id) at++;
    if (at === tasks.length) return undefined;
    const task = tasks[at];
    if (at === this.#head) tasks[this.#head++] = undefined as never;
    else tasks.splice(at, 1);
    if (this.#head === tasks.length) {
      this.#tasks = [];
      this.#head = 0;
    }
    this.finished++;
    return task;
  }

  /** The unanswered tasks, oldest first. */
  pending(): Task[] {
    return this.#tasks.slice(this.#head);
  }

  /**
   * Whether the oldest unanswered task belongs to `job` and is running (it
   * has started and not finished, so no result is on its way).
   */
  runs(job: Job): boolean {
    if (this.inflight === 0) return false;
    const head = this.#tasks[this.#head];
    return head.job === job && head.seq >= Atomics.load(this.cells, FINISHED);
  }

  /**
   * Takes back every task the worker has not started: moves `CLAIMED` past
   * them, so the worker skips them. Returns them in order.
   */
  takeBack(): Task[] {
    let claimed = Atomics.load(this.cells, CLAIMED);
    while (claimed < this.#nextSeq) {
      const seen = Atomics.compareExchange(
        this.cells,
        CLAIMED,
        claimed,
        this.#nextSeq,
      );
      if (seen === claimed) break;
      claimed = seen;
    }
    let keep = this.#tasks.length;
    while (keep > this.#head && this.#tasks[keep - 1].seq >= claimed) keep--;
    const taken = this.#tasks.splice(keep);
    this.sent -= taken.length;
    return taken;
  }

  /**
   * The worker died with `code`: rejects the task it was running (and any
   * it finished whose result was lost) with a `WorkerExitError`, and
   * returns the tasks it never started, to run elsewhere.
   */
  died(code: number): Task[] {
    const claimed = this.claimed();
    const finished = Atomics.load(this.cells, FINISHED);
    const exited =
      `Pool worker ${this.name} (pid ${this.pid}) exited with code ${code}`;
    const unstarted: Task[] = [];
    let failed = false;
    for (const task of this.pending()) {
      if (task.seq >= claimed) {
        unstarted.push(task);
        continue;
      }
      failed = true;
      const error = new WorkerExitError(
        task.seq < finished
          ? `${exited} after the task finished, before its result was sent`
          : `${exited} before the task finished`,
        code,
      );
      if (!task.job.done) task.job.rejectTask(task.index, error);
    }
    this.#tasks = [];
    this.#head = 0;
    if (failed || this.finished > 0) return unstarted;
    // It died before starting any task (in its initializer, or loading):
    // its tasks would only kill the next worker the same way.
    const error = new WorkerExitError(
      `${exited} before it started the task`,
      code,
    );
    for (const task of unstarted) {
      if (!task.job.done) task.job.rejectTask(task.index, error);
    }
    return [];
  }
}
