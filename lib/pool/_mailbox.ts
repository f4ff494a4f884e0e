// A pool worker's mailbox: shared memory through which the parent hands an
// idle worker one task and gets its result back without a message. The
// worker, once it has nothing left to do, waits on the mailbox's STATE cell
// with `Atomics.wait` (a futex: it wakes in microseconds, where a message
// must go through its event loop); the parent writes the task, moves STATE
// from PARKED to TASK and notifies; the worker writes the result, then bumps
// the REPLY cell and notifies, which the parent awaits with
// `Atomics.waitAsync`. Tasks and results travel in a small binary form that
// covers numbers, strings, booleans, null, undefined, and plain arrays and
// objects of those; anything else, or anything too large, goes by message
// as before.
//
// STATE moves between four values, always by compare-exchange, except STOP,
// which only the parent stores and nothing moves away from:
//   AWAY → PARKED    worker, when it starts waiting
//   PARKED → AWAY    worker, when it goes back to its event loop; or the
//                    parent, right after it posts a message (a "kick")
//   PARKED → TASK    parent, once the task is written
//   TASK → PARKED    worker, once the result is written (before REPLY)
//   TASK → AWAY      worker, when the task returned a promise
//   * → STOP         parent, before terminating the worker
// No wake-up is lost. Messages first: each time the worker is in PARKED
// (after its own move there, from AWAY or TASK) it checks, before it
// waits, that it has handled every message the parent counted in MESSAGES;
// the parent counts a message, posts it, then kicks if it sees PARKED. The
// atomics are sequentially consistent, so either the parent's
// compare-exchange comes after the worker's move to PARKED and kicks it, or
// it came before, and so did the count the worker then reads. (A kick that
// meets TASK changes nothing, and needs nothing: the worker's move back to
// PARKED is followed by the check.) Then the worker only sleeps through
// `Atomics.wait(STATE, PARKED)`, which returns at once if STATE is no
// longer PARKED, and every move away from PARKED by the parent is followed
// by `Atomics.notify(STATE)`. Likewise the parent only sleeps through
// `Atomics.waitAsync(REPLY, seen)`, and the worker notifies after every
// change of REPLY. The parent sends a task only while the worker holds none
// of its tasks, and no other task while that one is out (the worker runs
// one task at a time, in order), and keeps the worker ref'd meanwhile
// (`waitAsync` does not keep a process alive).
//
// Waking a sleeping thread is the slow part of a round trip (a system call,
// and on a busy machine the woken thread may take the waker's core), so
// each side first spins a moment for the other, adaptively: the parent
// re-reads REPLY for up to SPIN_MS before it awaits it, and the worker,
// right after a task, re-reads STATE for up to SPIN_MS before it sleeps
// (setting SLEEPING, which the parent reads to skip the notify while the
// worker is awake). A side whose spin ran out does not spin for its next
// SKIPS waits: on a loaded machine, where the other side is slow to come,
// neither burns the core the other needs.

/** Int32 cells at the start of the mailbox. */
export const STATE = 0;
/** Bumped by the worker once per task answered through the mailbox. */
export const REPLY = 1;
/** How the last reply came: a byte length, POSTED or SKIPPED. */
export const REPLY_LENGTH = 2;
/**
 * How many tasks the worker has received by message: the parent sends
 * through the mailbox only once the worker has seen every task it posted,
 * so the two agree on the number (`seq`) of the mailbox's task.
 */
export const RECEIVED = 3;
/**
 * Messages the parent has posted to the worker, counted before each post: a
 * worker that has handled fewer does not wait (the message would wait with
 * it).
 */
export const MESSAGES = 4;
/**
 * 1 while the worker sleeps in `Atomics.wait` on STATE, else 0: the parent
 * notifies only then. No wake-up is lost: the worker sets SLEEPING, then
 * waits while STATE is PARKED; the parent moves STATE, then reads SLEEPING;
 * the atomics are sequentially consistent, so one of them sees the other's
 * write.
 */
export const SLEEPING = 5;

/** The worker is in its event loop: send by message. */
export const AWAY = 0;
/** The worker waits on STATE: the parent may write a task. */
export const PARKED = 1;
/** A task is in the mailbox, or running. */
export const TASK = 2;
/** The worker is being terminated: it must not wait any more. */
export const STOP = 3;

/** The reply went as a message (the result did not fit the mailbox). */
export const POSTED = -1;
/** The parent had taken the task back before the worker started it. */
export const SKIPPED = -2;

const HEADER = 32;
/** Bytes for a task, and as many for a result. */
const CAPACITY = 16 * 1024;

/** A new mailbox's memory. */
export function mailboxBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER + 2 * CAPACITY);
}

/**
 * The longest either side spins for the other before it sleeps: a few
 * tiny tasks' round trips, less than one wake-up on a busy machine.
 */
const SPIN_MS = 0.05;
/** Waits without spinning after a spin that ran out. */
const SKIPS = 16;

/** Views of a mailbox, as either side holds them. */
export class Mailbox {
  readonly cells: Int32Array;
  readonly view: DataView;
  /** Waits left without spinning (this side's). */
  #skips = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer, 0, HEADER / 4);
    this.view = new DataView(buffer);
  }

  /**
   * Spins while `cells[index] === value`, for up to SPIN_MS unless a spin
   * ran out lately; returns whether the value changed meanwhile.
   */
  spinWhile(index: number, value: number): boolean {
    const cells = this.cells;
    if (this.#skips > 0) {
      this.#skips--;
      return Atomics.load(cells, index) !== value;
    }
    const until = performance.now() + SPIN_MS;
    for (let i = 1;; i++) {
      if (Atomics.load(cells, index) !== value) return true;
      if ((i & 63) === 0 && performance.now() >= until) break;
    }
    this.#skips = SKIPS;
    return false;
  }

  /** Parent: wakes the worker after moving STATE, if it sleeps. */
  wake(): void {
    if (Atomics.load(this.cells, SLEEPING) === 1) {
      Atomics.notify(this.cells, STATE);
    }
  }

  /**
   * Parent: resolves once REPLY has moved from `seen`, or once a short spin
   * for it is over (after the caller had its turn).
   */
  async spinForReply(seen: number): Promise<void> {
    await null;
    this.spinWhile(REPLY, seen);
  }

  /**
   * Writes task number `seq`, `[id, fnId, kind, payload]`; false if the
   * payload does not fit the binary form (the caller then posts it).
   */
  writeTask(
    seq: number,
    id: number,
    fnId: number,
    kind: number,
    payload: unknown,
  ): boolean {
    const view = this.view;
    view.setFloat64(HEADER, id);
    view.setInt32(HEADER + 8, fnId);
    view.setInt32(HEADER + 12, kind);
    view.setInt32(HEADER + 16, seq);
    return write(view, HEADER + 20, HEADER + CAPACITY, payload, 0) >= 0;
  }

  /** The task in the mailbox, as `[seq, id, fnId, kind, payload]`. */
  readTask(): [number, number, number, number, unknown] {
    const view = this.view;
    return [
      view.getInt32(HEADER + 16),
      view.getFloat64(HEADER),
      view.getInt32(HEADER + 8),
      view.getInt32(HEADER + 12),
      read(view, { at: HEADER + 20 }),
    ];
  }

  /**
   * Writes one result, `[busyMs, taskId, status, value]`; false if the value
   * does not fit the binary form.
   */
  writeResult(results: readonly unknown[]): boolean {
    const view = this.view;
    const base = HEADER + CAPACITY;
    view.setFloat64(base, results[0] as number);
    view.setFloat64(base + 8, results[1] as number);
    view.setInt32(base + 16, results[2] as number);
    const end = write(view, base + 20, base + CAPACITY, results[3], 0);
    if (end < 0) return false;
    Atomics.store(this.cells, REPLY_LENGTH, end - base);
    return true;
  }

  /** The result in the mailbox, as `PoolResults`. */
  readResult(): unknown[] {
    const view = this.view;
    const base = HEADER + CAPACITY;
    return [
      view.getFloat64(base),
      view.getFloat64(base + 8),
      view.getInt32(base + 16),
      read(view, { at: base + 20 }),
    ];
  }
}

// The binary form: a tag byte, then the value.
const UNDEFINED = 0;
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const INT = 4;
const FLOAT = 5;
const STRING = 6;
const ARRAY = 7;
const OBJECT = 8;
/** Deeper values go by message (this also stops at cycles). */
const MAX_DEPTH = 16;

/**
 * Writes `value` at `at`; returns the offset after it, or -1 if it is not
 * of the binary form or does not fit before `end`.
 */
function write(
  view: DataView,
  at: number,
  end: number,
  value: unknown,
  depth: number,
): number {
  if (at + 9 > end) return -1;
  switch (typeof value) {
    case "number":
      if ((value | 0) === value && !Object.is(value, -0)) {
        view.setUint8(at, INT);
        view.setInt32(at + 1, value);
        return at + 5;
      }
      view.setUint8(at, FLOAT);
      view.setFloat64(at + 1, value);
      return at + 9;
    case "string": {
      const length = value.length;
      if (at + 5 + 2 * length > end) return -1;
      view.setUint8(at, STRING);
      view.setUint32(at + 1, length);
      let to = at + 5;
      for (let i = 0; i < length; i++, to += 2) {
        view.setUint16(to, value.charCodeAt(i));
      }
      return to;
    }
    case "boolean":
      view.setUint8(at, value ? TRUE : FALSE);
      return at + 1;
    case "undefined":
      view.setUint8(at, UNDEFINED);
      return at + 1;
    case "object":
      if (value === null) {
        view.setUint8(at, NULL);
        return at + 1;
      }
      if (depth === MAX_DEPTH) return -1;
      return writeObject(view, at, end, value, depth + 1);
  }
  return -1;
}

function writeObject(
  view: DataView,
  at: number,
  end: number,
  value: object,
  depth: number,
): number {
  const proto = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const array = value as unknown[];
    view.setUint8(at, ARRAY);
    view.setUint32(at + 1, array.length);
    let to = at + 5;
    for (let i = 0; i < array.length && to >= 0; i++) {
      // A hole would come back as undefined: let the message keep it.
      if (array[i] === undefined && !(i in array)) return -1;
      to = write(view, to, end, array[i], depth);
    }
    return to;
  }
  if (proto !== Object.prototype) return -1;
  const keys = Object.keys(value);
  view.setUint8(at, OBJECT);
  view.setUint32(at + 1, keys.length);
  let to = at + 5;
  for (let i = 0; i < keys.length && to >= 0; i++) {
    // Assigning it on the other side would set the prototype instead.
    if (keys[i] === "__proto__") return -1;
    to = write(view, to, end, keys[i], depth);
    if (to >= 0) {
      to = write(
        view,
        to,
        end,
        (value as Record<string, unknown>)[keys[i]],
        depth,
      );
    }
  }
  return to;
}

function read(view: DataView, cursor: { at: number }): unknown {
  const at = cursor.at;
  switch (view.getUint8(at)) {
    case UNDEFINED:
      cursor.at = at + 1;
      return undefined;
    case NULL:
      cursor.at = at + 1;
      return null;
    case FALSE:
      cursor.at = at + 1;
      return false;
    case TRUE:
      cursor.at = at + 1;
      return true;
    case INT:
      cursor.at = at + 5;
      return view.getInt32(at + 1);
    case FLOAT:
      cursor.at = at + 9;
      return view.getFloat64(at + 1);
    case STRING: {
      const length = view.getUint32(at + 1);
      cursor.at = at + 5 + 2 * length;
      return readString(view, at + 5, length);
    }
    case ARRAY: {
      const length = view.getUint32(at + 1);
      cursor.at = at + 5;
      const array = new globalThis.Array(length);
      for (let i = 0; i < length; i++) array[i] = read(view, cursor);
      return array;
    }
    default: {
      const count = view.getUint32(at + 1);
      cursor.at = at + 5;
      const object: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const key = read(view, cursor) as string;
        object[key] = read(view, cursor);
      }
      return object;
    }
  }
}

function readString(view: DataView, at: number, length: number): string {
  let text = "";
  for (let start = 0; start < length; start += 4096) {
    const units = new globalThis.Array<number>(
      Math.min(4096, length - start),
    );
    for (let i = 0; i < units.length; i++) {
      units[i] = view.getUint16(at + 2 * (start + i));
    }
    text += String.fromCharCode(...units);
  }
  return text;
}
