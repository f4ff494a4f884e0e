// Who holds each end of a Pipe. As in Python, where every process has its
// own file descriptor, every thread holding a Connection holds its own
// handle to that end, and the peer sees end-of-file only once every handle
// is gone: closed, collected, or held by a thread that has exited.
//
// An end's table lives in shared memory: the live handles per thread (pid),
// plus handles "in transit" that a sender reserved when it reduced the end
// for another thread, which claims one when it rebuilds the end. Reserving
// at send time means a parent may close its copy right after `start()`.
// Each thread also lists the ends it has seen, so that when a thread it
// started exits, it can release that thread's handles (threads receive ends
// only from the thread that started them).
import { onThreadExit } from "../_core/thread_exit.ts";
import { block, lockSteps, unlock } from "../sync/_futex.ts";

const LOCK = 0;
/** Live handles, in transit included; the end closes when it reaches 0. */
const TOTAL = 1;
/** Handles reserved by a sender for a thread that has not claimed them. */
const TRANSIT = 2;
/** Handles of threads that found no free slot (released only by close). */
const UNTRACKED = 3;
const SLOTS_AT = 4;
const SLOTS = 32;
/** Each slot: the holder's pid + 1 (0 when free), and its handle count. */
const SLOT = 2;

/** The ints one end's handle table needs. */
export const HANDLES_LENGTH: number = SLOTS_AT + SLOTS * SLOT;

/** One end of a pipe as seen by the threads holding it. */
export class End {
  readonly #cells: Int32Array;
  readonly #shut: () => void;

  /**
   * @param cells The end's table ({@linkcode HANDLES_LENGTH} ints).
   * @param shut Closes the end for the peer, once no handle is left.
   */
  constructor(cells: Int32Array, shut: () => void) {
    this.#cells = cells;
    this.#shut = shut;
  }

  /** The shared table, for sending the end to another thread. */
  get cells(): Int32Array {
    return this.#cells;
  }

  /** Whether no handle is left anywhere. */
  get gone(): boolean {
    return Atomics.load(this.#cells, TOTAL) === 0;
  }

  /** A new handle for thread `pid`. */
  open(pid: number): void {
    this.#locked(() => {
      this.#cells[TOTAL]++;
      this.#add(pid, 1);
    });
  }

  /** Reserves a handle for a thread that will {@linkcode End.claim} it. */
  lend(): void {
    this.#locked(() => {
      this.#cells[TOTAL]++;
      this.#cells[TRANSIT]++;
    });
  }

  /** Takes a reserved handle for thread `pid` (a new one if none is left). */
  claim(pid: number): void {
    this.#locked(() => {
      const cells = this.#cells;
      if (cells[TRANSIT] > 0) cells[TRANSIT]--;
      else cells[TOTAL]++;
      this.#add(pid, 1);
    });
  }

  /** Releases one handle of thread `pid`; the last one closes the end. */
  release(pid: number): void {
    this.#drop(pid, 1);
  }

  /** Releases every handle of thread `pid`, which has exited. */
  releaseAll(pid: number): void {
    this.#drop(pid, Infinity);
  }

  #drop(pid: number, most: number): void {
    const shut = this.#locked(() => {
      const cells = this.#cells;
      const at = this.#find(pid + 1);
      let n: number;
      if (at >= 0) {
        n = Math.min(most, cells[at + 1]);
        cells[at + 1] -= n;
        if (cells[at + 1] === 0) cells[at] = 0;
      } else {
        n = most === Infinity ? 0 : Math.min(most, cells[UNTRACKED]);
        cells[UNTRACKED] -= n;
      }
      cells[TOTAL] -= n;
      return n > 0 && cells[TOTAL] === 0;
    });
    if (shut) this.#shut();
  }

  #add(pid: number, n: number): void {
    const cells = this.#cells;
    let at = this.#find(pid + 1);
    if (at < 0) at = this.#find(0);
    if (at < 0) {
      cells[UNTRACKED] += n;
      return;
    }
    cells[at] = pid + 1;
    cells[at + 1] += n;
  }

  #find(owner: number): number {
    const cells = this.#cells;
    for (let at = SLOTS_AT; at < cells.length; at += SLOT) {
      if (cells[at] === owner) return at;
    }
    return -1;
  }

  #locked<T>(body: () => T): T {
    block(lockSteps(this.#cells, LOCK, Infinity));
    try {
      return body();
    } finally {
      unlock(this.#cells, LOCK);
    }
  }
}

/** The ends this thread has held, for releasing its children's handles. */
const seen = new Set<End>();

/** Lists `end` among those this thread has held. */
export function remember(end: End): void {
  seen.add(end);
}

/** Forgets `end` once no thread holds it. */
export function forgetIfGone(end: End): void {
  if (end.gone) seen.delete(end);
}

// A thread that exited (or was terminated) cannot release its handles itself.
onThreadExit((pid) => {
  for (const end of seen) {
    end.releaseAll(pid);
    forgetIfGone(end);
  }
});
