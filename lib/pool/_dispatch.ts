// The main-thread half of a Pool: one FIFO of tasks, a set of workers, and
// batching. Each worker holds a window of tasks sized so it has a few
// milliseconds of work queued (two tasks when tasks are slow, up to
// MAX_WINDOW when they are tiny); everything that fits goes in one message.
// Tasks in flight live in one id → task map, so a worker that dies rejects
// exactly the tasks it held.
import { runtime, type WorkerHandle } from "../_runtime/mod.ts";
import { clones, decode, decodeThrown } from "../_core/codec.ts";
import { childIdentity, nextPid, WORKER_URL } from "../_core/identity.ts";
import type { FunctionRef } from "../_core/function_ref.ts";
import {
  CALL,
  ITEM,
  MAP,
  OK,
  type PoolResults,
  type PoolTasks,
  type StartPoolWorker,
} from "../_core/protocol.ts";
import { describe } from "../_core/validate.ts";
import { WorkerExitError } from "../errors.ts";

/** What a submission (apply, map, imap) must do when its tasks finish. */
export interface Job {
  /** True once the job needs no more results: its queued tasks are dropped. */
  readonly done: boolean;
  resolveTask(index: number, value: unknown): void;
  rejectTask(index: number, error: unknown): void;
  /** Ends the job at once with `reason`; later results are ignored. */
  abort(reason: unknown): void;
}

/** One call (or chunk of calls) of a job's function in a worker. */
interface Task {
  readonly id: number;
  readonly job: Job;
  /** The task's index within its job (the chunk number). */
  readonly index: number;
  /** Index in the job's input of the first item this task carries. */
  readonly start: number;
  readonly fnId: number;
  readonly kind: number;
  readonly payload: unknown;
  worker: Slot | null;
}

interface Slot {
  readonly handle: WorkerHandle;
  readonly name: string;
  readonly pid: number;
  /** Function ids this worker has been sent. */
  readonly known: boolean[];
  inflight: number;
  sent: number;
  finished: number;
  refed: boolean;
}

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

let workersStarted = 0;

/** Runs tasks on a fixed number of workers, replacing any that die. */
export class Dispatcher {
  #options: DispatcherOptions;
  #workers: Slot[] = [];
  #retiring = new Set<Promise<unknown>>();
  #queue: (Task | undefined)[] = [];
  #head = 0;
  #inflight = new Map<number, Task>();
  #nextId = 1;
  #fnIds = new Map<string, number>();
  #refs: FunctionRef[] = [];
  /** Moving average of a task's duration in ms; -1 until measured. */
  #taskMs = -1;
  #scheduled = false;
  #stopped = false;
  #dispatch = () => this.#fill();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #unrefIdle = () => {
    this.#idleTimer = undefined;
    for (const slot of this.#workers) {
      if (slot.inflight === 0 && slot.refed) {
        slot.handle.unref();
        slot.refed = false;
      }
    }
  };

  constructor(options: DispatcherOptions) {
    this.#options = options;
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
    const task: Task = {
      id: this.#nextId++,
      job,
      index,
      start,
      fnId,
      kind,
      payload,
      worker: null,
    };
    this.#queue.push(task);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#dispatch);
    }
  }

  /**
   * Stops the running tasks of `job` (which must already be done): the
   * workers holding them are terminated and replaced, and the other tasks
   * they held go back to the front of the queue.
   */
  stop(job: Job): void {
    const victims = new Set<Slot>();
    for (const task of this.#inflight.values()) {
      if (task.job === job) victims.add(task.worker!);
    }
    for (const slot of victims) {
      const requeued: Task[] = [];
      for (const [id, task] of this.#inflight) {
        if (task.worker !== slot) continue;
        this.#inflight.delete(id);
        if (!task.job.done) requeued.push(task);
      }
      this.#queue = [...requeued, ...this.#queue.slice(this.#head)];
      this.#head = 0;
      this.#replace(slot);
    }
    this.#schedule();
  }

  /** The jobs that still have tasks queued or running. */
  pendingJobs(): Set<Job> {
    const jobs = new Set<Job>();
    for (let i = this.#head; i < this.#queue.length; i++) {
      jobs.add(this.#queue[i]!.job);
    }
    for (const task of this.#inflight.values()) jobs.add(task.job);
    return jobs;
  }

  /** Terminates every worker; resolves once all are gone. */
  async terminate(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#idleTimer);
    this.#queue = [];
    this.#head = 0;
    this.#inflight.clear();
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all([
      ...workers.map((slot) => slot.handle.terminate()),
      ...this.#retiring,
    ]);
  }

  #spawn(): void {
    const pid = nextPid();
    const name = `SpawnPoolWorker-${++workersStarted}`;
    const handle = runtime.spawn(WORKER_URL, {
      message: (data) => this.#receive(slot, data as PoolResults),
      exit: (code) => this.#exited(slot, code),
    });
    const slot: Slot = {
      handle,
      name,
      pid,
      known: [],
      inflight: 0,
      sent: 0,
      finished: 0,
      refed: false,
    };
    const start: StartPoolWorker = {
      type: "pool",
      identity: childIdentity(pid, name, true), // daemonic, as in Python
      initializer: this.#options.initializer,
      initargs: this.#options.initargs,
    };
    handle.postMessage(start);
    handle.unref();
    this.#workers.push(slot);
  }

  /** Terminates `slot` (terminate() waits for it) and starts another. */
  #replace(slot: Slot): void {
    this.#remove(slot);
    const gone = slot.handle.terminate();
    this.#retiring.add(gone);
    void gone.then(() => this.#retiring.delete(gone));
    this.#spawn();
  }

  #remove(slot: Slot): void {
    this.#workers = this.#workers.filter((other) => other !== slot);
  }

  #schedule(): void {
    if (this.#scheduled || this.#head === this.#queue.length) return;
    this.#scheduled = true;
    queueMicrotask(this.#dispatch);
  }

  #window(): number {
    if (this.#taskMs < 0) return INITIAL_WINDOW;
    return Math.min(
      MAX_WINDOW,
      Math.max(INITIAL_WINDOW, Math.ceil(TARGET_MS / this.#taskMs) + 1),
    );
  }

  #room(slot: Slot, window: number): number {
    return Math.min(
      window - slot.inflight,
      this.#options.maxtasks - slot.sent,
    );
  }

  /** Shares the queue among workers with room, in batches. */
  #fill(): void {
    this.#scheduled = false;
    if (this.#stopped) return;
    const window = this.#window();
    let open = 0;
    for (const slot of this.#workers) {
      if (this.#room(slot, window) > 0) open++;
    }
    for (const slot of this.#workers) {
      let room = this.#room(slot, window);
      if (room <= 0) continue;
      const waiting = this.#queue.length - this.#head;
      if (waiting === 0) break;
      room = Math.min(room, Math.ceil(waiting / open--));
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
  }

  /** Sends up to `count` live tasks from the queue; returns how many. */
  #send(slot: Slot, count: number): number {
    const batch: Task[] = [];
    const queue = this.#queue;
    while (batch.length < count && this.#head < queue.length) {
      const task = queue[this.#head]!;
      queue[this.#head++] = undefined;
      if (!task.job.done) batch.push(task);
    }
    const sent = this.#post(slot, batch);
    for (const task of sent) {
      task.worker = slot;
      this.#inflight.set(task.id, task);
    }
    slot.inflight += sent.length;
    slot.sent += sent.length;
    if (sent.length > 0 && !slot.refed) {
      slot.handle.ref();
      slot.refed = true;
    }
    return batch.length;
  }

  /** Posts `batch`; tasks that cannot be cloned reject. Returns those sent. */
  #post(slot: Slot, batch: Task[]): Task[] {
    if (batch.length === 0) return batch;
    let fns: (number | FunctionRef)[] | null = null;
    const tasks = new globalThis.Array(batch.length * 4);
    for (let i = 0; i < batch.length; i++) {
      const task = batch[i];
      if (!slot.known[task.fnId] && !fns?.includes(task.fnId)) {
        (fns ??= []).push(task.fnId, this.#refs[task.fnId]);
      }
      tasks[i * 4] = task.id;
      tasks[i * 4 + 1] = task.fnId;
      tasks[i * 4 + 2] = task.kind;
      tasks[i * 4 + 3] = task.payload;
    }
    const message: PoolTasks = { type: "pool-tasks", fns, tasks };
    try {
      slot.handle.postMessage(message);
    } catch {
      return this.#post(slot, batch.filter(sendable));
    }
    for (let i = 0; fns !== null && i < fns.length; i += 2) {
      slot.known[fns[i] as number] = true;
    }
    return batch;
  }

  #receive(slot: Slot, results: PoolResults): void {
    const count = (results.length - 1) / 3;
    if (count > 0) {
      const ms = (results[0] as number) / count;
      this.#taskMs = this.#taskMs < 0 ? ms : this.#taskMs * 0.75 + ms * 0.25;
    }
    for (let i = 1; i < results.length; i += 3) {
      const task = this.#inflight.get(results[i] as number);
      if (task === undefined || task.worker !== slot) continue;
      this.#inflight.delete(task.id);
      slot.inflight--;
      slot.finished++;
      if (task.job.done) continue;
      if (results[i + 1] === OK) {
        task.job.resolveTask(task.index, decode(results[i + 2]));
      } else {
        task.job.rejectTask(task.index, decodeThrown(results[i + 2] as never));
      }
    }
    if (this.#stopped) return;
    if (slot.finished >= this.#options.maxtasks) {
      this.#replace(slot);
    } else if (slot.inflight === 0 && this.#idleTimer === undefined) {
      // Unref idle workers only after the callers had their turn: one who
      // awaits a task and submits the next keeps the worker ref'd.
      this.#idleTimer = setTimeout(this.#unrefIdle, 0);
    }
    this.#schedule();
  }

  #exited(slot: Slot, code: number): void {
    if (!this.#workers.includes(slot)) return;
    this.#remove(slot);
    const error = new WorkerExitError(
      `Pool worker ${slot.name} (pid ${slot.pid}) exited with code ${code} before the task finished`,
      code,
    );
    for (const [id, task] of this.#inflight) {
      if (task.worker !== slot) continue;
      this.#inflight.delete(id);
      if (!task.job.done) task.job.rejectTask(task.index, error);
    }
    if (this.#stopped) return;
    this.#spawn();
    this.#schedule();
  }
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
