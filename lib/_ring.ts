// A byte ring in a SharedArrayBuffer carrying length-prefixed messages, the
// memory behind Queue and Pipe. One writer at a time holds the put mutex for
// a whole message and one reader the get mutex, so a message is never torn
// or interleaved; a message larger than the ring streams through it while
// the reader drains it.
//
// Waiting uses "bells": a waiter counts itself in, reads the bell, re-checks
// its condition and sleeps while the bell is unchanged; whoever makes
// progress rings the bell only if someone counted in. The counters are read
// after the progress is published, so a waiter either sees the progress or
// is woken by the ring.
import { lockSteps, type Steps, tryLock, unlock } from "./_futex.ts";

const PUT_LOCK = 0;
const GET_LOCK = 1;
/** Bytes ever written and ever read; both wrap at 2^32, the ring is 2^k. */
const WRITTEN = 2;
const READ = 3;
/** Messages begun by a writer and not yet fully read. */
const ITEMS = 4;
/** At most this many ITEMS (a Queue's maxsize). */
const LIMIT = 5;
/** Messages ever begun minus tasks marked done (JoinableQueue). */
const TASKS = 6;
const DATA_BELL = 7;
const SPACE_BELL = 8;
const DATA_WAITERS = 9;
const SPACE_WAITERS = 10;
/** Bits: WRITER_GONE, READER_GONE (Pipe ends). */
const CLOSED = 11;
const HEADER = 12;

/** The CLOSED bit of a ring whose writing end was closed. */
export const WRITER_GONE = 1;
/** The CLOSED bit of a ring whose reading end was closed. */
export const READER_GONE = 2;

/** What ended a put or a get other than success. */
export type Refused = "timeout" | "closed";

/** The ints a ring of `capacity` bytes (a power of two) needs. */
export function ringLength(capacity: number): number {
  return HEADER + capacity / 4;
}

/** Sets up fresh ring cells: at most `limit` messages at a time. */
export function initRing(cells: Int32Array, limit: number): void {
  cells[LIMIT] = limit;
}

const LENGTH_BYTES = 4;

/** A view of ring cells (made by {@linkcode ringLength}/{@linkcode initRing}). */
export class Ring {
  readonly #cells: Int32Array;
  readonly #data: Uint8Array;
  readonly #mask: number;
  readonly #prefix = new Uint8Array(LENGTH_BYTES);
  readonly #prefixView = new DataView(this.#prefix.buffer);

  constructor(cells: Int32Array) {
    this.#cells = cells;
    this.#data = new Uint8Array(
      cells.buffer,
      cells.byteOffset + HEADER * 4,
      (cells.length - HEADER) * 4,
    );
    this.#mask = this.#data.length - 1;
  }

  /** The shared cells, for sending the ring to another thread. */
  get cells(): Int32Array {
    return this.#cells;
  }

  /** Messages begun and not yet fully read. */
  get items(): number {
    return Atomics.load(this.#cells, ITEMS);
  }

  /** The most messages the ring holds at once. */
  get limit(): number {
    return this.#cells[LIMIT];
  }

  /** Which ends are gone: WRITER_GONE and READER_GONE bits. */
  get closed(): number {
    return Atomics.load(this.#cells, CLOSED);
  }

  /** Marks an end as gone and wakes every waiter so it can notice. */
  close(end: number): void {
    Atomics.or(this.#cells, CLOSED, end);
    this.#ring(DATA_BELL);
    this.#ring(SPACE_BELL);
  }

  #used(): number {
    const cells = this.#cells;
    return (Atomics.load(cells, WRITTEN) - Atomics.load(cells, READ)) | 0;
  }

  #ring(bell: number): void {
    Atomics.add(this.#cells, bell, 1);
    Atomics.notify(this.#cells, bell);
  }

  /** Waits until `ready()`, or `deadline`; returns `ready()`. */
  *#until(
    waiters: number,
    bell: number,
    ready: () => boolean,
    deadline: number,
  ): Steps<boolean> {
    const cells = this.#cells;
    Atomics.add(cells, waiters, 1);
    try {
      while (true) {
        const seen = Atomics.load(cells, bell);
        if (ready()) return true;
        if (!(yield { cells, index: bell, value: seen, deadline })) {
          return ready();
        }
      }
    } finally {
      Atomics.sub(cells, waiters, 1);
    }
  }

  /**
   * Writes one message. `deadline` bounds the wait for the put mutex, a free
   * slot and room to begin; once begun, the message is written whole.
   */
  *putSteps(bytes: Uint8Array, deadline: number): Steps<Refused | null> {
    const cells = this.#cells;
    if (
      !tryLock(cells, PUT_LOCK) &&
      !(yield* lockSteps(cells, PUT_LOCK, deadline))
    ) {
      return "timeout";
    }
    try {
      const total = LENGTH_BYTES + bytes.length;
      const room = Math.min(total, this.#data.length);
      const canBegin = (): boolean =>
        (Atomics.load(cells, CLOSED) & READER_GONE) !== 0 ||
        (Atomics.load(cells, ITEMS) < cells[LIMIT] &&
          this.#data.length - this.#used() >= room);
      if (!canBegin()) {
        if (
          !(yield* this.#until(SPACE_WAITERS, SPACE_BELL, canBegin, deadline))
        ) {
          return "timeout";
        }
      }
      if ((Atomics.load(cells, CLOSED) & READER_GONE) !== 0) return "closed";
      Atomics.add(cells, ITEMS, 1);
      Atomics.add(cells, TASKS, 1);
      this.#prefixView.setUint32(0, bytes.length, true);
      const hasRoom = (): boolean =>
        this.#used() < this.#data.length ||
        (Atomics.load(cells, CLOSED) & READER_GONE) !== 0;
      let done = 0;
      while (true) {
        const n = Math.min(this.#data.length - this.#used(), total - done);
        this.#copyIn(bytes, done, n);
        done += n;
        Atomics.add(cells, WRITTEN, n);
        if (Atomics.load(cells, DATA_WAITERS) > 0) this.#ring(DATA_BELL);
        if (done === total) return null;
        yield* this.#until(SPACE_WAITERS, SPACE_BELL, hasRoom, Infinity);
        if ((Atomics.load(cells, CLOSED) & READER_GONE) !== 0) return "closed";
      }
    } finally {
      unlock(cells, PUT_LOCK);
    }
  }

  /**
   * Reads one message. `deadline` bounds the wait for the get mutex and the
   * start of a message; once begun, the message is read whole.
   */
  *getSteps(deadline: number): Steps<Uint8Array | Refused> {
    const cells = this.#cells;
    if (
      !tryLock(cells, GET_LOCK) &&
      !(yield* lockSteps(cells, GET_LOCK, deadline))
    ) {
      return "timeout";
    }
    try {
      const hasData = (): boolean =>
        this.#used() > 0 || (Atomics.load(cells, CLOSED) & WRITER_GONE) !== 0;
      if (this.#used() < LENGTH_BYTES) {
        const begun = (): boolean =>
          this.#used() >= LENGTH_BYTES ||
          (Atomics.load(cells, CLOSED) & WRITER_GONE) !== 0;
        if (!(yield* this.#until(DATA_WAITERS, DATA_BELL, begun, deadline))) {
          return "timeout";
        }
        if (this.#used() < LENGTH_BYTES) return "closed";
      }
      let at = Atomics.load(cells, READ);
      this.#copyOut(this.#prefix, at);
      const message = new Uint8Array(this.#prefixView.getUint32(0, true));
      at += LENGTH_BYTES;
      let unpublished = LENGTH_BYTES;
      let done = 0;
      while (true) {
        const n = Math.min(this.#used() - unpublished, message.length - done);
        this.#copyOut(message.subarray(done, done + n), at);
        at += n;
        done += n;
        if (done === message.length) Atomics.sub(cells, ITEMS, 1);
        Atomics.add(cells, READ, unpublished + n);
        unpublished = 0;
        if (Atomics.load(cells, SPACE_WAITERS) > 0) this.#ring(SPACE_BELL);
        if (done === message.length) return message;
        yield* this.#until(DATA_WAITERS, DATA_BELL, hasData, Infinity);
        if (this.#used() === 0) return "closed";
      }
    } finally {
      unlock(cells, GET_LOCK);
    }
  }

  /** Waits until a message can be read or the writer is gone. */
  *pollSteps(deadline: number): Steps<boolean> {
    const cells = this.#cells;
    const ready = (): boolean =>
      this.#used() >= LENGTH_BYTES ||
      (Atomics.load(cells, CLOSED) & WRITER_GONE) !== 0;
    return ready() ||
      (yield* this.#until(DATA_WAITERS, DATA_BELL, ready, deadline));
  }

  /** Counts one task done; `false` if none was outstanding. */
  taskDone(): boolean {
    const cells = this.#cells;
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

  /** Waits until every message begun has been marked done. */
  *joinSteps(): Steps<void> {
    const cells = this.#cells;
    let tasks;
    while ((tasks = Atomics.load(cells, TASKS)) !== 0) {
      yield { cells, index: TASKS, value: tasks, deadline: Infinity };
    }
  }

  /** Copies bytes [from, from + n) of the message (prefix + body) in. */
  #copyIn(body: Uint8Array, from: number, n: number): void {
    let at = Atomics.load(this.#cells, WRITTEN);
    while (n > 0) {
      const part = from < LENGTH_BYTES
        ? this.#prefix.subarray(from, Math.min(LENGTH_BYTES, from + n))
        : body.subarray(from - LENGTH_BYTES, from - LENGTH_BYTES + n);
      const start = at & this.#mask;
      const first = Math.min(part.length, this.#data.length - start);
      this.#data.set(part.subarray(0, first), start);
      if (first < part.length) this.#data.set(part.subarray(first), 0);
      at += part.length;
      from += part.length;
      n -= part.length;
    }
  }

  /** Fills `out` from the ring, starting at byte counter `at`. */
  #copyOut(out: Uint8Array, at: number): void {
    const start = at & this.#mask;
    const first = Math.min(out.length, this.#data.length - start);
    out.set(this.#data.subarray(start, start + first));
    if (first < out.length) {
      out.set(this.#data.subarray(0, out.length - first), first);
    }
  }
}
