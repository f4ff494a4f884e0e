// The main-thread half of a Pool: one FIFO of tasks, a set of workers, and
// batching. Each worker holds a window of tasks sized so it has a few
// milliseconds of work queued (two tasks when tasks are slow, up to
// MAX_WINDOW when they are tiny); everything that fits goes in one message.
// New work goes to the least-loaded workers first. While a worker is idle,
// tasks waiting behind a busy worker's long task are taken back and run
// elsewhere; a worker that dies fails only the task it was running, and
// the tasks it had not started go to the others.
import { threadExited } from "../_core/thread_exit.ts";
import { runtime, type WorkerHandle } from "../_runtime/mod.ts";
import { decode, decodeThrown } from "../_core/codec.ts";
import { childIdentity, nextPid, WORKER_URL } from "../_core/identity.ts";
import type { FunctionRef } from "../_core/function_ref.ts";
import {
  OK,
  type PoolExit,
  type PoolResults,
  type StartPoolWorker,
} from "../_core/protocol.ts";
import { Slot, type Task } from "./_slot.ts";
import { postTasks } from "./_post.ts";
import { Stealer } from "./_steal.ts";
import { getLogger } from "../logging.ts";
import type { Job } from "./_jobs.ts";

/** How a Dispatcher starts its workers. */
export interface DispatcherOptions {
  processes: number;
  initializer: FunctionRef | null;
  /** Encoded with `_codec.ts`; checked to be cloneable. */
  initargs: readonly unknown[];
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
const EXIT: PoolExit = { type: "pool-exit" };

let workersStarted = 0;
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
  /**
   * Every worker not yet gone: what a dropped pool's finalizer terminates.
   * It leads to no task, job or result.
   */
  readonly handles: Set<WorkerHandle> = new Set();
  #options: DispatcherOptions;
  #workers: Slot[] = [];
  /** Workers told to exit, or being replaced, that are not gone yet. */
  #retiring = new Set<Slot>();
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
  #stealer = new Stealer(() => this.#workers, (tasks) => {
    this.#requeue(tasks);
    this.#schedule();
  });
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #unrefIdle = () => {
    this.#idleTimer = undefined;
    for (const slot of this.#workers) {
      if (slot.inflight === 0 && slot.refed && !slot.retiring) {
        slot.handle.unref();
        slot.refed = false;
      }
    }
  };

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#closed = new Promise((resolve) => this.#markClosed = resolve);
    for (let i = 0; i < options.processes; i++) this.#spawn();
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
    for (const slot of [...this.#workers]) {
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
    for (const slot of [...this.#workers, ...this.#retiring]) {
      for (const task of slot.pending()) jobs.add(task.job);
    }
    return jobs;
  }

  /**
   * Lets the workers exit on their own once every task submitted so far has
   * finished (call when no job is pending). Resolves once all are gone.
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
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(
      [...workers, ...this.#retiring].map((slot) => slot.handle.terminate()),
    );
    this.#retiring.clear();
    this.handles.clear();
    closing.delete(this);
    this.#markClosed();
  }

  #spawn(): void {
    const pid = nextPid();
    const name = `SpawnPoolWorker-${++workersStarted}`;
    const cells = new Int32Array(new SharedArrayBuffer(8));
    // Weak: a running worker must not keep a dropped pool's jobs alive.
    const self = new WeakRef<Dispatcher>(this);
    const weak: { slot?: WeakRef<Slot> } = {};
    const handle = runtime.spawn(WORKER_URL, {
      message(data) {
        const dispatcher = self.deref();
        const slot = weak.slot?.deref();
        if (dispatcher === undefined || slot === undefined) return;
        dispatcher.#receive(slot, data as PoolResults);
      },
      exit(code) {
        const dispatcher = self.deref();
        const slot = weak.slot?.deref();
        if (dispatcher === undefined) return;
        dispatcher.handles.delete(handle);
        if (slot !== undefined) dispatcher.#exited(slot, code);
      },
    });
    const slot = new Slot(handle, name, pid, cells);
    void handle.gone.then(() => threadExited(pid));
    weak.slot = new WeakRef(slot);
    this.handles.add(handle);
    const start: StartPoolWorker = {
      type: "pool",
      identity: childIdentity(pid, name, true), // daemonic, as in Python
      initializer: this.#options.initializer,
      initargs: this.#options.initargs,
      cells,
    };
    handle.postMessage(start);
    handle.unref();
    this.#workers.push(slot);
    getLogger().debug("added worker");
  }

  /** Tells `slot` to exit once its tasks are done; no more go to it. */
  #retire(slot: Slot): void {
    this.#remove(slot);
    slot.retiring = true;
    slot.handle.postMessage(EXIT);
    this.#ref(slot);
    this.#retiring.add(slot);
  }

  /** Terminates `slot` (terminate() waits for it) and starts another. */
  #replace(slot: Slot): void {
    this.#remove(slot);
    this.#stopping.delete(slot);
    this.#retiring.add(slot);
    void slot.handle.terminate().then(() => this.#gone(slot));
    this.#spawn();
  }

  #gone(slot: Slot): void {
    getLogger().debug("cleaning up worker %s", slot.name);
    this.#retiring.delete(slot);
    this.handles.delete(slot.handle);
    this.#retireIfIdle();
  }

  #remove(slot: Slot): void {
    this.#workers = this.#workers.filter((other) => other !== slot);
  }

  #ref(slot: Slot): void {
    if (slot.refed) return;
    slot.handle.ref();
    slot.refed = true;
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
    if (this.#stopping.has(slot)) return 0;
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
    const open = this.#workers.filter((slot) => this.#room(slot, window) > 0)
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
    const sent = postTasks(slot, batch, this.#refs);
    slot.sentTasks(sent);
    if (sent.length > 0) this.#ref(slot);
    return batch.length;
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
      this.#retire(slot);
      this.#spawn();
    } else if (slot.inflight === 0 && this.#idleTimer === undefined) {
      // Unref idle workers only after the callers had their turn: one who
      // awaits a task and submits the next keeps the worker ref'd.
      this.#idleTimer = setTimeout(this.#unrefIdle, 0);
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

  #exited(slot: Slot, code: number): void {
    if (this.#retiring.has(slot)) return this.#gone(slot);
    if (!this.#workers.includes(slot)) return;
    getLogger().debug("cleaning up worker %s", slot.name);
    this.#remove(slot);
    this.#stopping.delete(slot);
    this.#requeue(slot.died(code));
    if (this.#stopped) return;
    this.#spawn();
    this.#schedule();
    this.#retireIfIdle();
  }

  /** Once closing and out of work, tells every worker to exit. */
  #retireIfIdle(): void {
    if (!this.#closing || this.#stopped) return;
    if (this.#head < this.#queue.length) return;
    if (this.#workers.some((slot) => slot.inflight > 0)) return;
    for (const slot of [...this.#workers]) this.#retire(slot);
    if (this.#workers.length === 0 && this.#retiring.size === 0) {
      clearTimeout(this.#idleTimer);
      this.#stealer.stop();
      this.#stopped = true;
      closing.delete(this);
      this.#markClosed();
    }
  }
}
