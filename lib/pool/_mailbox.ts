// A pool worker's mailbox: shared memory through which the parent hands an
// idle worker one task and gets its result back without a message. The
// worker, once it has nothing left to do, waits on the mailbox's STATE cell
// with `Atomics.wait` (a futex: it wakes in microseconds, where a message
// must go through its event loop), or, on a runtime whose event loop wakes
// sooner than a blocked thread (`runtime.wakesFasterAsync`: Bun), with
// `Atomics.waitAsync` in its event loop; the parent writes the task, moves
// STATE from PARKED to TASK and notifies; the worker writes the result,
// then bumps the REPLY cell and notifies, which the parent reads at once
// (or polls for, while tasks are tiny: see `_dispatch.ts`) and otherwise
// awaits with `Atomics.waitAsync`. Tasks and results travel in a small binary form that
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
// PARKED is followed by the check.) A worker waiting in its event loop
// checks too: it may read a message while parked, but only one the parent
// is about to kick it for, and the parent sends nothing by mailbox before
// that kick. Then the worker only
// sleeps through `Atomics.wait(STATE, PARKED)` or
// `Atomics.waitAsync(STATE, PARKED)`, which return (resolve) at once if
// STATE is no longer PARKED, and every move away from PARKED by the parent
// is followed by `Atomics.notify(STATE)`. (An async wait still pending when
// the worker parks again was woken by the move that ended its last park:
// it goes on waiting once it resolves, so the worker never waits twice at
// once.) Likewise the parent only sleeps through
// `Atomics.waitAsync(REPLY, seen)`, and the worker notifies after every
// change of REPLY. The parent sends a task only while the worker holds none
// of its tasks, and no other task while that one is out (the worker runs
// one task at a time, in order), and keeps the worker ref'd meanwhile
// (`waitAsync` does not keep a process alive).

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

/** Views of a mailbox, as either side holds them. */
export class Mailbox {
  readonly cells: Int32Array;
  readonly view: DataView;

  constructor(buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer, 0, HEADER / 4);
    this.view = new DataView(buffer);
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
