// The main-thread half of a Pool: one FIFO of tasks, a set of workers, and
// batching. Each worker holds a window of tasks sized so it has a few
// milliseconds of work queued (two tasks when tasks are slow, up to
// MAX_WINDOW when they are tiny); everything that fits goes in one message.
// New work goes to the least-loaded workers first. While a worker is idle,
// tasks waiting behind a busy worker's long task are taken back and run
// elsewhere; a worker that dies fails only the task it was running, and
// the tasks it had not started go to the others. Starting, retiring and
// terminating workers is `_workers.ts`.
import { decode, decodeThrown } from "../_core/codec.ts";
import type { FunctionRef } from "../_core/function_ref.ts";
import { OK, type PoolResults } from "../_core/protocol.ts";
import type { WorkerHandle } from "../_runtime/mod.ts";
import type { Slot, Task } from "./_slot.ts";
import { postTasks } from "./_post.ts";
import { Stealer } from "./_steal.ts";
import { Workers, type WorkerStart } from "./_workers.ts";
import type { Job } from "./_jobs.ts";

/** How a Dispatcher starts its workers. */
export interface DispatcherOptions extends WorkerStart {
  processes: number;
  /** Tasks a worker runs before it is replaced; Infinity for never. */
  maxtasks: number;
}

/** How much work, in ms, a worker should have queued. */
const TARGET_MS = 4;
/** Tasks a worker may hold before the first timing arrives. */
const INITIAL_WINDOW = 2;
/** The most tasks a worker may hold. */
const MAX_WINDOW = 2048;
/** The most tasks in one message. */
const MAX_BATCH = 512;
/**
 * While tasks take less than this on average, the answer to one sent
 * through a mailbox comes sooner than this thread would wake up for it:
 * it is polled for (this thread is busy meanwhile) for up to POLL_MS
 * before it is awaited. On an otherwise idle 2-core machine that halved
 * the time of one awaited task on Node, Deno and Bun.
 */
const POLL_TASK_MS = 0.02;
/** How long a mailbox answer is polled for (see POLL_TASK_MS). */
const POLL_MS = 0.05;
/**
 * Dispatchers between `close()` and their last worker's exit: nothing else
 * may hold them while their workers finish (their pool may be unreachable,
 * its `join()` awaited).
 */
const closing = new Set<Dispatcher>();

/**
 * Runs tasks on a fixed number of workers, replacing any that die. Its
 * workers hold it only weakly (see `_keepalive.ts`).
 */
export class Dispatcher {
  #options: DispatcherOptions;
  #workers: Workers;
  #queue: (Task | undefined)[] = [];
  #head = 0;
  #nextId = 1;
  #fnIds = new Map<string, number>();
  #refs: FunctionRef[] = [];
  /** Moving average of a task's duration in ms; -1 until measured. */
  #taskMs = -1;
  #scheduled = false;
  #stopped = false;
  /** Set by `close()`: the workers exit once the queue and they are empty. */
  #closing = false;
  #closed: Promise<void>;
  #markClosed!: () => void;
  /** Aborted jobs whose running task must be stopped, by worker. */
  #stopping = new Map<Slot, Job>();
  #dispatch = () => this.#fill();
  #stealer = new Stealer(() => this.#workers.live, (tasks) => {
    this.#requeue(tasks);
    this.#schedule();
  });
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #unrefIdle = () => {
    this.#idleTimer = undefined;
    for (const slot of this.#workers.live) {
      // A mailbox reply is awaited with `Atomics.waitAsync`, which does
      // not keep the process alive: its worker stays ref'd until it comes.
      if (
        slot.inflight === 0 && !slot.boxed && slot.refed && !slot.retiring
      ) {
        slot.handle.unref();
        slot.refed = false;
      }
    }
  };

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#closed = new Promise((resolve) => this.#markClosed = resolve);
    this.#workers = new Workers(options, {
      receive: (slot, results) => this.#receive(slot, results),
      died: (slot, code) => this.#died(slot, code),
      gone: () => this.#retireIfIdle(),
    });
    for (let i = 0; i < options.processes; i++) this.#workers.spawn();
  }

  /**
   * Every worker not yet gone: what a dropped pool's finalizer terminates.
   * It leads to no task, job or result.
   */
  get handles(): Set<WorkerHandle> {
    return this.#workers.handles;
  }

  /** The number of a function, for task messages; sent to each worker once. */
  fnId(ref: FunctionRef): number {
    const key = ref.modules.join("\n") + "\n" + ref.source;
    let id = this.#fnIds.get(key);
    if (id === undefined) {
      id = this.#refs.push(ref) - 1;
      this.#fnIds.set(key, id);
    }
    return id;
  }

  /** Queues a task; it is sent at the end of the current microtask. */
  submit(
    job: Job,
    index: number,
    start: number,
    fnId: number,
    kind: number,
    payload: unknown,
  ): void {
    this.#queue.push({
      id: this.#nextId++,
      job,
      index,
      start,
      fnId,
      kind,
      payload,
      seq: -1,
    });
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#dispatch);
    }
  }

  /**
   * Stops the tasks of `job` (which must already be done): tasks not started
   * are dropped, and a worker running one is terminated and replaced once
   * the results it owes other jobs have arrived.
   */
  stop(job: Job): void {
    for (const slot of this.#workers.live) {
      if (!slot.pending().some((task) => task.job === job)) continue;
      this.#requeue(slot.takeBack());
      this.#stopping.set(slot, job);
      this.#stopIfRunning(slot);
    }
    this.#schedule();
  }

  /** The jobs that still have tasks queued or running. */
  pendingJobs(): Set<Job> {
    const jobs = new Set<Job>();
    for (let i = this.#head; i < this.#queue.length; i++) {
      jobs.add(this.#queue[i]!.job);
    }
    for (const slot of this.#workers.all()) {
      for (const task of slot.pending()) jobs.add(task.job);
    }
    return jobs;
  }

  /**
   * Lets the workers exit on their own once every task submitted so far has
   * finished (call when no job is pending); one that has run nothing of the
   * user's (no task, no initializer) is terminated, even while it starts.
   * Resolves once all are gone.
   */
  close(): Promise<void> {
    if (!this.#closing && !this.#stopped) closing.add(this);
    this.#closing = true;
    this.#retireIfIdle();
    return this.#closed;
  }

  /** Terminates every worker; resolves once all are gone. */
  async terminate(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#idleTimer);
    this.#stealer.stop();
    this.#queue = [];
    this.#head = 0;
    await this.#workers.terminateAll();
    closing.delete(this);
    this.#markClosed();
  }

  /** Terminates `slot` (terminate() waits for it) and starts another. */
  #replace(slot: Slot): void {
    this.#stopping.delete(slot);
    this.#workers.stop(slot);
    this.#workers.spawn();
  }

  #schedule(): void {
    if (this.#scheduled || this.#head === this.#queue.length) return;
    this.#scheduled = true;
    queueMicrotask(this.#dispatch);
  }

  /** Puts tasks back at the front of the queue, in their order. */
  #requeue(tasks: Task[]): void {
    if (tasks.length === 0) return;
    this.#queue = [...tasks, ...this.#queue.slice(this.#head)];
    this.#head = 0;
  }

  #window(): number {
    if (this.#taskMs < 0) return INITIAL_WINDOW;
    return Math.min(
      MAX_WINDOW,
      Math.max(INITIAL_WINDOW, Math.ceil(TARGET_MS / this.#taskMs) + 1),
    );
  }

  #room(slot: Slot, window: number): number {
    // A worker stuck on a long task gets nothing more until it is idle.
    if (slot.stalled && slot.inflight > 0) return 0;
    if (this.#stopping.has(slot) || slot.boxed) return 0;
    return Math.min(
      window - slot.inflight,
      this.#options.maxtasks - slot.sent,
    );
  }

  /** Shares the queue among workers with room, least loaded first, in batches. */
  #fill(): void {
    this.#scheduled = false;
    if (this.#stopped) return;
    const window = this.#window();
    const open = this.#workers.live.filter((slot) =>
      this.#room(slot, window) > 0
    )
      .sort((a, b) => a.inflight - b.inflight);
    for (let i = 0; i < open.length; i++) {
      const slot = open[i];
      const waiting = this.#queue.length - this.#head;
      if (waiting === 0) break;
      let room = Math.min(
        this.#room(slot, window),
        Math.ceil(waiting / (open.length - i)),
      );
      while (room > 0 && this.#head < this.#queue.length) {
        room -= this.#send(slot, Math.min(room, MAX_BATCH));
      }
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#stealer.arm();
    this.#retireIfIdle();
  }

  /** Sends up to `count` live tasks from the queue; returns how many it took. */
  #send(slot: Slot, count: number): number {
    const batch: Task[] = [];
    const queue = this.#queue;
    while (batch.length < count && this.#head < queue.length) {
      const task = queue[this.#head]!;
      queue[this.#head++] = undefined;
      if (!task.job.done) batch.push(task);
    }
    if (batch.length === 1 && slot.sendBoxed(batch[0])) {
      slot.ref();
      this.#awaitReply(slot);
      return 1;
    }
    const sent = postTasks(slot, batch, this.#refs);
    slot.sentTasks(sent);
    if (sent.length > 0) slot.ref();
    return batch.length;
  }

  /**
   * Handles the answer to the task out through `slot`'s mailbox: at once if
   * the worker gave it while we notified it (on a busy machine it often
   * has: it took our core), or while we polled for it (POLL_TASK_MS).
   */
  #awaitReply(slot: Slot): void {
    const tiny = this.#taskMs >= 0 && this.#taskMs < POLL_TASK_MS;
    const results = slot.pollReply(tiny ? POLL_MS : 0);
    if (results !== undefined) this.#replied(slot, results);
    else void slot.reply().then((late) => this.#replied(slot, late));
  }

  #replied(slot: Slot, results: unknown[] | null): void {
    if (results !== null && results.length > 0) {
      return this.#receive(slot, results);
    }
    // The worker did not start it (we took it back, or should), or the
    // result comes by message (`#receive`), or the worker is gone.
    if (results !== null) this.#requeue(slot.takeBack());
    if (slot.inflight === 0) this.#idle();
    this.#schedule();
  }

  /** Unrefs idle workers once the callers had their turn. */
  #idle(): void {
    this.#idleTimer ??= setTimeout(this.#unrefIdle, 0);
  }

  #receive(slot: Slot, results: PoolResults): void {
    const count = (results.length - 1) / 3;
    if (count > 0) {
      const ms = (results[0] as number) / count;
      this.#taskMs = this.#taskMs < 0 ? ms : this.#taskMs * 0.75 + ms * 0.25;
      slot.stalled = false;
    }
    for (let i = 1; i < results.length; i += 3) {
      const task = slot.answer(results[i] as number);
      if (task === undefined || task.job.done) continue;
      if (results[i + 1] === OK) {
        task.job.resolveTask(task.index, decode(results[i + 2]));
      } else {
        task.job.rejectTask(task.index, decodeThrown(results[i + 2] as never));
      }
    }
    if (this.#stopped || slot.retiring) return;
    if (this.#stopping.has(slot)) this.#stopIfRunning(slot);
    else if (slot.finished >= this.#options.maxtasks) {
      this.#workers.retire(slot);
      this.#workers.spawn();
    } else if (slot.inflight === 0) {
      // Only after the callers had their turn: one who awaits a task and
      // submits the next keeps the worker ref'd.
      this.#idle();
    }
    this.#schedule();
    this.#stealer.arm();
    this.#retireIfIdle();
  }

  /** Replaces `slot` if the oldest task it owes is the stopped job's. */
  #stopIfRunning(slot: Slot): void {
    if (slot.runs(this.#stopping.get(slot)!)) {
      // It holds nothing else: its unstarted tasks were taken back.
      this.#replace(slot);
      this.#schedule();
    } else if (slot.inflight === 0) this.#stopping.delete(slot);
  }

  /** Runs elsewhere what `slot`'s dead worker never started. */
  #died(slot: Slot, code: number): void {
    this.#stopping.delete(slot);
    this.#requeue(slot.died(code));
    if (this.#stopped) return;
    this.#workers.spawn();
    this.#schedule();
    this.#retireIfIdle();
  }

  /** Once closing and out of work, tells every worker to exit. */
  #retireIfIdle(): void {
    if (!this.#closing || this.#stopped) return;
    if (this.#head < this.#queue.length) return;
    const workers = this.#workers;
    if (workers.live.some((slot) => slot.inflight > 0)) return;
    for (const slot of workers.live) {
      // One that ran nothing of the user's has nothing to finish.
      if (workers.untouched(slot)) workers.dismiss(slot);
      else workers.retire(slot);
    }
    if (workers.live.length === 0 && workers.retiring.size === 0) {
      clearTimeout(this.#idleTimer);
      this.#stealer.stop();
      this.#stopped = true;
      closing.delete(this);
      this.#markClosed();
    }
  }
}
