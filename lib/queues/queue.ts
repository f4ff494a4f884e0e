/**
 * `Queue`, `SimpleQueue` and `JoinableQueue`: multi-producer, multi-consumer
 * FIFO queues in shared memory that any worker holding one uses directly.
 *
 * @module
 */
import {
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import { block, blockAsync } from "../sync/_futex.ts";
import { initRing, type Refused, Ring, ringLength } from "./_ring.ts";
import { pack, unpack } from "./_serialize.ts";
import { Adopted, sharedCells } from "../_core/shared.ts";
import { ProcessError } from "../errors.ts";
import {
  asyncDeadline,
  deadline,
  getRefused,
  messageLimit,
  NOW,
  putRefused,
} from "./_queue_options.ts";
import { checkTimeout, deadlineOf } from "../_core/timeout.ts";
import type { QueueAsyncOptions, QueueOptions } from "./queue_options.ts";

export type { QueueAsyncOptions, QueueOptions };

/** Bytes of shared memory per queue; larger items stream through it. */
const CAPACITY = 1 << 16;
let ringOf: (queue: Queue) => Ring;

function kindOf(queue: Queue): string {
  return queue instanceof JoinableQueue
    ? "JoinableQueue"
    : queue instanceof SimpleQueue
    ? "SimpleQueue"
    : "Queue";
}

/**
 * A FIFO queue in a `SharedArrayBuffer`, like Python's
 * `multiprocessing.Queue`: items are any structured-cloneable value, passed
 * to a `Process` the queue arrives as the same queue, and every worker puts
 * and gets directly, without going through the main thread. `maxsize`
 * bounds the number of items; items larger than the queue's 64 KiB of
 * memory stream through it while a consumer reads.
 *
 * `put()` and `get()` block their thread, which is right in worker code; on
 * the main thread use `putAsync()` and `getAsync()`. (A blocking `put()` of
 * an item larger than 64 KiB on the only thread that reads the queue would
 * wait forever for a reader.)
 *
 * @example Usage
 * ```ts
 * import { Queue } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<Map<string, number>>();
 * queue.put(new Map([["a", 1]]));
 * assert.deepEqual(await queue.getAsync(), new Map([["a", 1]]));
 * assert.equal(queue.empty(), true);
 * ```
 */
export class Queue<T = unknown> {
  #ring: Ring;
  #kind: string;
  #closed = false;

  /**
   * Creates an empty queue.
   *
   * @param maxsize The most items it holds; 0 or less means no limit, as in
   * Python. @default 0
   * @throws {TypeError} If `maxsize` is not a number.
   * @throws {RangeError} If `maxsize` is not an integer, or above 2³¹ − 1.
   */
  constructor(maxsize?: number);
  /** @ignore The memory of a rebuilt queue. */
  constructor(maxsize: number | undefined, memory?: Adopted<Int32Array>);
  constructor(maxsize: number = 0, memory?: Adopted<Int32Array>) {
    this.#kind = kindOf(this);
    const limit = messageLimit(`create ${this.#kind}`, maxsize);
    const cells = sharedCells(
      memory,
      ringLength(CAPACITY),
      (fresh) => initRing(fresh, limit),
    );
    this.#ring = new Ring(cells);
  }

  #check(what: string, tail = ""): string {
    const full = `${what} ${this.#kind}${tail && " "}${tail}`;
    if (this.#closed) {
      throw new ProcessError(`Cannot ${full}: it is closed`);
    }
    return full;
  }

  /**
   * Puts `item` at the end of the queue, blocking this thread while the
   * queue is full.
   *
   * @param item Any structured-cloneable value.
   * @param options `block: false` or `timeout` (ms) bound the wait.
   * @throws {Full} If the queue stayed full until the timeout.
   * @throws {TypeError} If `item` is not structured-cloneable or holds a
   * shared object (pass those as Process arguments), or an option
   * is unknown or of the wrong type.
   * @throws {ProcessError} If this queue was closed.
   */
  put(item: T, options?: QueueOptions): void {
    const what = this.#check("put item on");
    const until = options === undefined ? Infinity : deadline(what, options);
    const refused = this.#ring.put(pack(what, item), until);
    if (refused !== null) throw putRefused(what, refused);
  }

  /**
   * Puts `item` at the end of the queue without blocking the event loop.
   *
   * @param item Any structured-cloneable value.
   * @param options `timeout` (ms) bounds the wait.
   * @returns A promise that resolves once the item is in the queue.
   * @throws {Full} If the queue stayed full until the timeout.
   * @throws {TypeError} If `item` is not structured-cloneable or holds a
   * shared object (Lock, Queue, …: pass those as Process arguments).
   * @throws {ProcessError} If this queue was closed.
   */
  async putAsync(item: T, options?: QueueAsyncOptions): Promise<void> {
    const what = this.#check("put item on");
    const until = asyncDeadline(what, options);
    const refused = await this.#ring.putAsync(pack(what, item), until);
    if (refused !== null) throw putRefused(what, refused);
  }

  /**
   * Puts `item` if there is room now, like `put(item, { block: false })`.
   * Room means fewer than `maxsize` items, no other put under way, and shared
   * memory free for the item (or, for an item larger than the queue's
   * memory, an empty queue to stream it through).
   *
   * @param item Any structured-cloneable value.
   * @throws {Full} If there is no room now.
   * @throws {TypeError} If `item` is not structured-cloneable or holds a
   * shared object (Lock, Queue, …: pass those as Process arguments).
   * @throws {ProcessError} If this queue was closed.
   */
  putNowait(item: T): void {
    const what = this.#check("put item on");
    const refused = this.#ring.put(pack(what, item), NOW);
    if (refused !== null) throw putRefused(what, refused);
  }

  /**
   * Takes the item at the front of the queue, blocking this thread while
   * the queue is empty.
   *
   * @param options `block: false` or `timeout` (ms) bound the wait.
   * @returns The item.
   * @throws {Empty} If the queue stayed empty until the timeout.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   * @throws {ProcessError} If this queue was closed.
   */
  get(options?: QueueOptions): T {
    const what = this.#check("get item from");
    const until = options === undefined ? Infinity : deadline(what, options);
    return this.#item(what, this.#ring.get(until, true));
  }

  /**
   * Takes the item at the front of the queue without blocking the event loop.
   *
   * @param options `timeout` (ms) bounds the wait.
   * @returns A promise of the item.
   * @throws {Empty} If the queue stayed empty until the timeout.
   * @throws {ProcessError} If this queue was closed.
   */
  async getAsync(options?: QueueAsyncOptions): Promise<T> {
    const what = this.#check("get item from");
    const until = asyncDeadline(what, options);
    return this.#item(what, await this.#ring.getAsync(until, true));
  }

  /**
   * Takes the front item if there is one now, like `get({ block: false })`.
   *
   * @returns The item.
   * @throws {Empty} If the queue is empty.
   * @throws {ProcessError} If this queue was closed.
   */
  getNowait(): T {
    const what = this.#check("get item from");
    return this.#item(what, this.#ring.get(NOW, true));
  }

  #item(what: string, got: Uint8Array | Refused): T {
    if (typeof got === "string") throw getRefused(what, got);
    return unpack(got) as T;
  }

  /**
   * Whether an item is there to take, waiting up to `timeoutMs` for one
   * without taking it: what {@linkcode wait} watches (Python's
   * `wait([q._reader])`). Another consumer may take the item first.
   *
   * @param timeoutMs The longest wait, in ms; `null` waits as long as it takes. @default 0
   * @returns A promise of whether an item was there.
   * @throws {ProcessError} If this queue was closed.
   */
  pollAsync(timeoutMs?: number | null): Promise<boolean> {
    try {
      const what = this.#check("poll");
      const ms = timeoutMs === null
        ? undefined
        : checkTimeout(what, timeoutMs) ?? 0;
      return blockAsync(this.#ring.pollSteps(deadlineOf(ms)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Shuts the queue down for every thread, like Python 3.13's
   * `queue.Queue.shutdown`: `put*()` then throws `ShutDown`; `get*()`
   * returns what is left, then throws `ShutDown`. With `immediate`, what is
   * left is dropped (a `JoinableQueue` counts each dropped item as done)
   * and `get*()` throws at once. Callers blocked in `put` or `get` wake
   * and throw `ShutDown`. There is no way back.
   *
   * @param immediate Whether to drop the items left. @default false
   * @throws {ProcessError} If this queue was closed.
   */
  shutdown(immediate: boolean = false): void {
    this.#check("shut down");
    this.#ring.shutdown(immediate === true);
  }

  /**
   * The number of items in the queue; other threads may change it at once.
   *
   * @returns The approximate size.
   */
  qsize(): number {
    return this.#ring.items;
  }

  /**
   * Whether the queue holds no items (approximate, like `qsize()`).
   *
   * @returns `true` if empty.
   * @throws {ProcessError} If this queue was closed (as in Python, whose
   * `empty()` reads from the closed reader).
   */
  empty(): boolean {
    this.#check("check whether", "is empty");
    return this.#ring.items === 0;
  }

  /**
   * Whether the queue holds `maxsize` items (approximate, like `qsize()`).
   *
   * @returns `true` if full.
   */
  full(): boolean {
    return this.#ring.items >= this.#ring.limit;
  }

  /**
   * Says this thread is done with the queue: later `put*()`, `get*()` and
   * `empty()` calls on this object throw `ProcessError`; `qsize()` and
   * `full()` still answer. Other threads' copies keep working, as in Python.
   */
  close(): void {
    this.#closed = true;
  }

  /**
   * Python's `join_thread()`: waits for the feeder thread to flush what
   * this thread put. There is none here — `put()` returns (and `putAsync()`
   * resolves) once the item is in shared memory — so it returns at once.
   *
   * @throws {ProcessError} If the queue is not closed yet, as in Python.
   */
  joinThread(): void {
    if (!this.#closed) {
      throw new ProcessError(
        `Cannot join the feeder thread of ${this.#kind}: it is not closed`,
      );
    }
  }

  /**
   * Python's `cancel_join_thread()`: lets a process exit without flushing
   * its buffered items. Nothing is ever buffered here (see
   * {@linkcode Queue.joinThread}), so it does nothing.
   */
  cancelJoinThread(): void {}

  static {
    ringOf = (queue) => queue.#ring;
  }

  /** @ignore */
  [reduce](): Reduced {
    return reduced(this.#kind, this.#ring.cells);
  }
}

/**
 * A queue without a size limit, like Python's `multiprocessing.SimpleQueue`
 * (here it offers the whole `Queue` API).
 *
 * @example Usage
 * ```ts
 * import { SimpleQueue } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const queue = new SimpleQueue<string>();
 * queue.put("hello");
 * assert.equal(queue.get(), "hello");
 * ```
 */
export class SimpleQueue<T = unknown> extends Queue<T> {
  /** Creates an empty unbounded queue. */
  constructor();
  /** @ignore The memory of a rebuilt queue. */
  constructor(maxsize: number | undefined, memory?: Adopted<Int32Array>);
  constructor(_maxsize?: number, memory?: Adopted<Int32Array>) {
    super(0, memory);
  }
}

/**
 * A `Queue` that counts unfinished tasks, like Python's
 * `multiprocessing.JoinableQueue`: every `put()` adds one, every
 * `taskDone()` removes one, and `join()` waits until none is left.
 *
 * @example Usage
 * ```ts
 * import { JoinableQueue } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const queue = new JoinableQueue<number>();
 * queue.put(1);
 * assert.equal(queue.get(), 1);
 * queue.taskDone();
 * await queue.joinAsync(); // nothing unfinished: resolves at once
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /**
   * Marks one item taken with `get()` as fully processed.
   *
   * @throws {RangeError} If called more times than items were put.
   */
  taskDone(): void {
    if (!ringOf(this).taskDone()) {
      throw new RangeError(
        "Cannot mark task done on JoinableQueue: taskDone() was called more times than items were put",
      );
    }
  }

  /** Blocks this thread until every item put has been marked done. */
  join(): void {
    block(ringOf(this).joinSteps());
  }

  /**
   * Waits, without blocking the event loop, until every item put has been
   * marked done.
   *
   * @returns A promise that resolves when no task is unfinished.
   */
  joinAsync(): Promise<void> {
    return blockAsync(ringOf(this).joinSteps());
  }
}

const kinds: Record<string, typeof Queue> = {
  Queue,
  SimpleQueue,
  JoinableQueue,
};
for (const [tag, Kind] of Object.entries(kinds)) {
  registerShareable(
    tag,
    (cells) => new Kind(undefined, new Adopted(cells as Int32Array)),
  );
}
