// The lifecycle of a Pool's workers: starting one, telling one to exit once
// its tasks are done, terminating one, and hearing that one is gone. What
// becomes of the tasks of a worker that died is the dispatcher's business:
// it is told. Running workers hold this set only weakly (see
// `_keepalive.ts`), so that they keep no dropped pool's jobs alive.
import { threadExited } from "../_core/thread_exit.ts";
import { runtime, type WorkerHandle } from "../_runtime/mod.ts";
import { childIdentity, nextPid, POOL_WORKER_URL } from "../_core/identity.ts";
import type { FunctionRef } from "../_core/function_ref.ts";
import type {
  PoolExit,
  PoolResults,
  StartPoolWorker,
} from "../_core/protocol.ts";
import { Slot } from "./_slot.ts";
import { mailboxBuffer } from "./_mailbox.ts";
import { getLogger } from "../logging.ts";

/** What a pool worker starts with. */
export interface WorkerStart {
  initializer: FunctionRef | null;
  /** Encoded with `_codec.ts`; checked to be cloneable. */
  initargs: readonly unknown[];
}

/** Who hears from a pool's workers. */
export interface WorkersOwner {
  /** `slot`'s worker posted results. */
  receive(slot: Slot, results: PoolResults): void;
  /** `slot`'s worker, which took tasks, ended by itself with `code`. */
  died(slot: Slot, code: number): void;
  /** A worker told to exit, or terminated, is gone. */
  gone(): void;
}

const EXIT: PoolExit = { type: "pool-exit" };
let workersStarted = 0;

/** A pool's workers: those that take tasks, and those on their way out. */
export class Workers {
  /**
   * Every worker not yet gone: what a dropped pool's finalizer terminates.
   * It leads to no task, job or result.
   */
  readonly handles: Set<WorkerHandle> = new Set();
  /** The workers that take tasks. */
  live: Slot[] = [];
  /** Workers told to exit, or terminated, that are not gone yet. */
  readonly retiring: Set<Slot> = new Set();
  #start: WorkerStart;
  #owner: WorkersOwner;

  constructor(start: WorkerStart, owner: WorkersOwner) {
    this.#start = start;
    this.#owner = owner;
  }

  /** Every worker not gone yet. */
  all(): Slot[] {
    return [...this.live, ...this.retiring];
  }

  /** Starts a worker; it takes tasks at once (they wait in its port). */
  spawn(): void {
    const pid = nextPid();
    const name = `SpawnPoolWorker-${++workersStarted}`;
    const cells = new Int32Array(new SharedArrayBuffer(8));
    const mailbox = mailboxBuffer();
    const self = new WeakRef<Workers>(this);
    const weak: { slot?: WeakRef<Slot> } = {};
    const handle = runtime.spawn(POOL_WORKER_URL, {
      message(data) {
        const workers = self.deref();
        const slot = weak.slot?.deref();
        if (workers === undefined || slot === undefined) return;
        workers.#owner.receive(slot, data as PoolResults);
      },
      exit(code) {
        const workers = self.deref();
        if (workers === undefined) return;
        workers.handles.delete(handle);
        const slot = weak.slot?.deref();
        if (slot !== undefined) workers.#exited(slot, code);
      },
    });
    const slot = new Slot(handle, name, pid, cells, mailbox);
    void handle.gone.then(() => threadExited(pid));
    weak.slot = new WeakRef(slot);
    this.handles.add(handle);
    const start: StartPoolWorker = {
      type: "pool",
      identity: childIdentity(pid, name, true), // daemonic, as in Python
      initializer: this.#start.initializer,
      initargs: this.#start.initargs,
      cells,
      mailbox,
    };
    handle.postMessage(start);
    handle.unref();
    this.live.push(slot);
    getLogger().debug("added worker");
  }

  /** Tells `slot` to exit once its tasks are done; no more go to it. */
  retire(slot: Slot): void {
    this.#remove(slot);
    slot.retiring = true;
    slot.post(EXIT);
    slot.ref();
    this.retiring.add(slot);
  }

  /**
   * Whether `slot`'s worker has run nothing of the user's, so that stopping
   * it can change nothing anyone sees: it was given no task (which would
   * load the task's module) and there is no initializer.
   */
  untouched(slot: Slot): boolean {
    return this.#start.initializer === null && !slot.everTasked;
  }

  /**
   * Terminates `slot`, which has run nothing of the user's (see
   * {@linkcode Workers.untouched}): it is gone for the pool at once, without
   * waiting for its thread, which may still be starting (Bun reports the end
   * of a starting worker only once it has started, some 20 ms later).
   */
  dismiss(slot: Slot): void {
    getLogger().debug("cleaning up worker %s", slot.name);
    this.#remove(slot);
    slot.retiring = true;
    slot.closeBox();
    const handle = slot.handle;
    void handle.terminate().then(() => this.handles.delete(handle));
  }

  /** Terminates `slot`, whatever it runs; no more tasks go to it. */
  stop(slot: Slot): void {
    this.#remove(slot);
    slot.retiring = true;
    this.retiring.add(slot);
    slot.closeBox();
    void slot.handle.terminate().then(() => this.#gone(slot));
  }

  /** Terminates every worker; resolves once all are gone. */
  async terminateAll(): Promise<void> {
    const slots = this.all();
    this.live = [];
    await Promise.all(slots.map((slot) => {
      slot.closeBox();
      return slot.handle.terminate();
    }));
    this.retiring.clear();
    this.handles.clear();
  }

  #gone(slot: Slot): void {
    getLogger().debug("cleaning up worker %s", slot.name);
    this.retiring.delete(slot);
    this.handles.delete(slot.handle);
    this.#owner.gone();
  }

  #exited(slot: Slot, code: number): void {
    if (this.retiring.has(slot)) return this.#gone(slot);
    if (!this.live.includes(slot)) return;
    slot.closeBox();
    getLogger().debug("cleaning up worker %s", slot.name);
    this.#remove(slot);
    this.#owner.died(slot, code);
  }

  #remove(slot: Slot): void {
    this.live = this.live.filter((other) => other !== slot);
  }
}
