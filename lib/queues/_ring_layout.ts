// The cells at the head of a ring (see `_ring.ts`): two mutexes, the byte
// and message counters, the bells and their waiter counts, the closed
// bits; and the task counter a JoinableQueue keeps in them.
import type { Steps } from "../sync/_futex.ts";

export const PUT_LOCK = 0;
export const GET_LOCK = 1;
/** Bytes ever written and ever read; both wrap at 2^32, the ring is 2^k. */
export const WRITTEN = 2;
export const READ = 3;
/** Messages begun by a writer and not yet fully read. */
export const ITEMS = 4;
/** At most this many ITEMS (a Queue's maxsize). */
export const LIMIT = 5;
/** Messages ever begun minus tasks marked done (JoinableQueue). */
export const TASKS = 6;
export const DATA_BELL = 7;
export const SPACE_BELL = 8;
export const DATA_WAITERS = 9;
export const SPACE_WAITERS = 10;
/** Bits: WRITER_GONE, READER_GONE (Pipe ends), SHUT_DOWN, DISCARD (Queue). */
export const CLOSED = 11;
export const HEADER = 12;

/** The CLOSED bit of a ring whose writing end was closed. */
export const WRITER_GONE = 1;
/** The CLOSED bit of a ring whose reading end was closed. */
export const READER_GONE = 2;

/** The CLOSED bit of a queue shut down: puts refused, gets drain it first. */
export const SHUT_DOWN = 4;
/** The CLOSED bit of an immediate shutdown: gets refused at once too. */
export const DISCARD = 8;

/** What ended a put or a get other than success. */
export type Refused = "timeout" | "closed" | "shutdown";

/** The ints a ring of `capacity` bytes (a power of two) needs. */
export function ringLength(capacity: number): number {
  return HEADER + capacity / 4;
}

/** Sets up fresh ring cells: at most `limit` messages at a time. */
export function initRing(cells: Int32Array, limit: number): void {
  cells[LIMIT] = limit;
}

/** Counts one task done in `cells`; `false` if none was outstanding. */
export function taskDone(cells: Int32Array): boolean {
  let tasks = Atomics.load(cells, TASKS);
  while (tasks > 0) {
    const seen = Atomics.compareExchange(cells, TASKS, tasks, tasks - 1);
    if (seen === tasks) {
      if (tasks === 1) Atomics.notify(cells, TASKS);
      return true;
    }
    tasks = seen;
  }
  return false;
}

/** Waits until every message begun in `cells` has been marked done. */
export function* joinSteps(cells: Int32Array): Steps<void> {
  let tasks;
  while ((tasks = Atomics.load(cells, TASKS)) !== 0) {
    yield { cells, index: TASKS, value: tasks, deadline: Infinity };
  }
}
