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
import {
  block,
  blockAsync,
  lockSteps,
  type Steps,
  tryLock,
  unlock,
} from "../sync/_futex.ts";
import {
  CLOSED,
  DATA_BELL,
  DATA_WAITERS,
  DISCARD,
  GET_LOCK,
  HEADER,
  ITEMS,
  joinSteps,
  LIMIT,
  PUT_LOCK,
  READ,
  READER_GONE,
  type Refused,
  SHUT_DOWN,
  SPACE_BELL,
  SPACE_WAITERS,
  taskDone,
  TASKS,
  WRITER_GONE,
  WRITTEN,
} from "./_ring_layout.ts";
import { incoming } from "./_scratch.ts";

export {
  initRing,
  READER_GONE,
  type Refused,
  ringLength,
  WRITER_GONE,
} from "./_ring_layout.ts";

import { LENGTH_BYTES, RingBytes } from "./_ring_bytes.ts";

/** A view of ring cells (made by {@linkcode ringLength}/{@linkcode initRing}). */
export class Ring {
  readonly #cells: Int32Array;
  readonly #data: Uint8Array;
  readonly #bytes: RingBytes;

  constructor(cells: Int32Array) {
    this.#cells = cells;
    this.#data = new Uint8Array(
      cells.buffer,
      cells.byteOffset + HEADER * 4,
      (cells.length - HEADER) * 4,
    );
    this.#bytes = new RingBytes(this.#data);
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

  /** Marks an end as gone and wakes every waiter so it can notice. */
  close(end: number): void {
    Atomics.or(this.#cells, CLOSED, end);
    this.#ring(DATA_BELL);
    this.#ring(SPACE_BELL);
  }

  /**
   * Shuts a queue down for every thread: puts are refused; gets drain what
   * is left first, unless `immediate`, which drops it (counting each
   * dropped message as a task done). Blocked callers wake and notice.
   */
  shutdown(immediate: boolean): void {
    const cells = this.#cells;
    Atomics.or(cells, CLOSED, SHUT_DOWN | (immediate ? DISCARD : 0));
    this.#ring(DATA_BELL);
    this.#ring(SPACE_BELL);
    if (!immediate) return;
    block(lockSteps(cells, GET_LOCK, Infinity));
    try {
      let used;
      while ((used = this.#used()) >= LENGTH_BYTES) {
        const total = LENGTH_BYTES +
          this.#bytes.lengthAt(Atomics.load(cells, READ));
        if (used < total) break; // still streaming in: its reader drops it
        this.#consume(total, true);
        this.taskDone();
      }
    } finally {
      unlock(cells, GET_LOCK);
    }
  }

  /** Why a put must be refused now, or `null`. */
  #putRefusal(): Refused | null {
    const closed = Atomics.load(this.#cells, CLOSED);
    return (closed & READER_GONE) !== 0
      ? "closed"
      : (closed & SHUT_DOWN) !== 0
      ? "shutdown"
      : null;
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
   * Writes one message, blocking this thread. `deadline` bounds the wait for
   * the put mutex, a free slot and room to begin; once begun, the message is
   * written whole. Returns `null` once written.
   */
  put(bytes: Uint8Array, deadline: number): Refused | null {
    return this.#tryPut(bytes) ? null : block(this.#putSteps(bytes, deadline));
  }

  /**
   * Like {@linkcode Ring.put}, without blocking the event loop. `bytes` are
   * copied before any wait, so they may be reusable ones (`_scratch.ts`).
   */
  putAsync(bytes: Uint8Array, deadline: number): Promise<Refused | null> {
    return this.#tryPut(bytes)
      ? Promise.resolve(null)
      : blockAsync(this.#putSteps(bytes.slice(), deadline));
  }

  /**
   * Reads one message, blocking this thread; see {@linkcode Ring.put}. A
   * `transient` small message is this thread's reusable incoming bytes
   * (`_scratch.ts`): read it before the next transient get.
   */
  get(deadline: number, transient = false): Uint8Array | Refused {
    return this.#tryGet(transient) ?? block(this.#getSteps(deadline));
  }

  /** Like {@linkcode Ring.get}, without blocking the event loop. */
  getAsync(
    deadline: number,
    transient = false,
  ): Promise<Uint8Array | Refused> {
    const message = this.#tryGet(transient);
    return message !== null
      ? Promise.resolve(message)
      : blockAsync(this.#getSteps(deadline));
  }

  /** The common case without a generator: the whole message fits now. */
  #tryPut(bytes: Uint8Array): boolean {
    const cells = this.#cells;
    const total = LENGTH_BYTES + bytes.length;
    if (!tryLock(cells, PUT_LOCK)) return false;
    const fits =
      (Atomics.load(cells, CLOSED) & (READER_GONE | SHUT_DOWN)) === 0 &&
      Atomics.load(cells, ITEMS) < cells[LIMIT] &&
      this.#data.length - this.#used() >= total;
    if (fits) {
      this.#begin(bytes);
      this.#write(bytes, 0, total);
    }
    unlock(cells, PUT_LOCK);
    return fits;
  }

  /** The common case without a generator: a whole message is there now. */
  #tryGet(transient: boolean): Uint8Array | null {
    const cells = this.#cells;
    if (
      this.#used() < LENGTH_BYTES ||
      (Atomics.load(cells, CLOSED) & DISCARD) !== 0 ||
      !tryLock(cells, GET_LOCK)
    ) {
      return null;
    }
    let message = null;
    const used = this.#used();
    if (used >= LENGTH_BYTES) {
      const at = Atomics.load(cells, READ);
      const length = this.#bytes.lengthAt(at);
      if (used >= LENGTH_BYTES + length) {
        message = transient ? incoming.take(length) : new Uint8Array(length);
        this.#bytes.copyOut(message, at + LENGTH_BYTES);
        this.#consume(LENGTH_BYTES + length, true);
      }
    }
    unlock(cells, GET_LOCK);
    return message;
  }

  #begin(bytes: Uint8Array): void {
    Atomics.add(this.#cells, ITEMS, 1);
    Atomics.add(this.#cells, TASKS, 1);
    this.#bytes.setPrefix(bytes.length);
  }

  /** Writes bytes [done, done + n) of the message and publishes them. */
  #write(bytes: Uint8Array, done: number, n: number): number {
    const cells = this.#cells;
    this.#bytes.copyIn(Atomics.load(cells, WRITTEN), bytes, done, n);
    Atomics.add(cells, WRITTEN, n);
    if (Atomics.load(cells, DATA_WAITERS) > 0) this.#ring(DATA_BELL);
    return done + n;
  }

  /** Frees `n` bytes read, and a slot once a message is `finished`. */
  #consume(n: number, finished: boolean): void {
    const cells = this.#cells;
    if (finished) Atomics.sub(cells, ITEMS, 1);
    Atomics.add(cells, READ, n);
    if (Atomics.load(cells, SPACE_WAITERS) > 0) this.#ring(SPACE_BELL);
  }

  *#putSteps(bytes: Uint8Array, deadline: number): Steps<Refused | null> {
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
        this.#putRefusal() !== null ||
        (Atomics.load(cells, ITEMS) < cells[LIMIT] &&
          this.#data.length - this.#used() >= room);
      if (!canBegin()) {
        if (
          !(yield* this.#until(SPACE_WAITERS, SPACE_BELL, canBegin, deadline))
        ) {
          return "timeout";
        }
      }
      const refusal = this.#putRefusal();
      if (refusal !== null) return refusal;
      this.#begin(bytes);
      const hasRoom = (): boolean =>
        this.#used() < this.#data.length ||
        (Atomics.load(cells, CLOSED) & READER_GONE) !== 0;
      let done = 0;
      while (true) {
        const n = Math.min(this.#data.length - this.#used(), total - done);
        done = this.#write(bytes, done, n);
        if (done === total) return null;
        yield* this.#until(SPACE_WAITERS, SPACE_BELL, hasRoom, Infinity);
        if ((Atomics.load(cells, CLOSED) & READER_GONE) !== 0) return "closed";
      }
    } finally {
      unlock(cells, PUT_LOCK);
    }
  }

  *#getSteps(deadline: number): Steps<Uint8Array | Refused> {
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
      if ((Atomics.load(cells, CLOSED) & DISCARD) !== 0) return "shutdown";
      if (this.#used() < LENGTH_BYTES) {
        const begun = (): boolean =>
          this.#used() >= LENGTH_BYTES ||
          (Atomics.load(cells, CLOSED) & (WRITER_GONE | SHUT_DOWN)) !== 0;
        if (!(yield* this.#until(DATA_WAITERS, DATA_BELL, begun, deadline))) {
          return "timeout";
        }
        const closed = Atomics.load(cells, CLOSED);
        if ((closed & DISCARD) !== 0) return "shutdown";
        if (this.#used() < LENGTH_BYTES) {
          return (closed & WRITER_GONE) !== 0 ? "closed" : "shutdown";
        }
      }
      let at = Atomics.load(cells, READ);
      const message = new Uint8Array(this.#bytes.lengthAt(at));
      at += LENGTH_BYTES;
      let unpublished = LENGTH_BYTES;
      let done = 0;
      while (true) {
        const n = Math.min(this.#used() - unpublished, message.length - done);
        this.#bytes.copyOut(message.subarray(done, done + n), at);
        at += n;
        done += n;
        this.#consume(unpublished + n, done === message.length);
        unpublished = 0;
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
    return taskDone(this.#cells);
  }

  /** Waits until every message begun has been marked done. */
  joinSteps(): Steps<void> {
    return joinSteps(this.#cells);
  }
}
