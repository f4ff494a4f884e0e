// The server side of `manager.Queue()` and `manager.JoinableQueue()`. A
// client that disconnects while waiting in `get` or `put` is dropped from
// the queue of waiters: the next item goes to a live getter.
import { currentCaller } from "./caller.ts";
import { timeoutOf } from "./sync.ts";
import { deadlineOf, leftUntil, Waiters, type WaitOptions } from "./waiters.ts";
import { Empty, Full } from "../../errors.ts";
import { describe } from "../../_core/validate.ts";

/** A FIFO queue whose blocking calls wait on the server. */
export class ServedQueue {
  #items: unknown[] = [];
  #maxsize: number;
  #getters = new Waiters();
  #putters = new Waiters();
  #unfinished = 0;
  #joiners = new Waiters();

  constructor(maxsize: unknown = 0) {
    if (typeof maxsize !== "number" || !Number.isInteger(maxsize)) {
      throw new TypeError(
        `Cannot create Queue: maxsize must be an integer, received ${
          describe(maxsize)
        }`,
      );
    }
    this.#maxsize = maxsize <= 0 ? Infinity : maxsize;
  }

  async put(item: unknown, options?: WaitOptions | null): Promise<void> {
    const timeout = timeoutOf("put to Queue", options);
    const me = currentCaller();
    const deadline = deadlineOf(timeout);
    while (this.#items.length >= this.#maxsize) {
      if (timeout === 0 || !await this.#putters.wait(me, leftUntil(deadline))) {
        throw new Full("Queue is full");
      }
    }
    this.#items.push(item);
    this.#unfinished++;
    this.#getters.wake(1);
  }

  async get(options?: WaitOptions | null): Promise<unknown> {
    const timeout = timeoutOf("get from Queue", options);
    const me = currentCaller();
    const deadline = deadlineOf(timeout);
    while (this.#items.length === 0) {
      if (timeout === 0 || !await this.#getters.wait(me, leftUntil(deadline))) {
        throw new Empty("Queue is empty");
      }
    }
    const item = this.#items.shift();
    this.#putters.wake(1);
    return item;
  }

  putNowait(item: unknown): Promise<void> {
    return this.put(item, { block: false });
  }

  getNowait(): Promise<unknown> {
    return this.get({ block: false });
  }

  qsize(): number {
    return this.#items.length;
  }

  empty(): boolean {
    return this.#items.length === 0;
  }

  full(): boolean {
    return this.#items.length >= this.#maxsize;
  }

  taskDone(): void {
    if (this.#unfinished === 0) {
      throw new RangeError(
        "Cannot mark task done: taskDone() called more times than items were put",
      );
    }
    if (--this.#unfinished === 0) this.#joiners.wake(Infinity);
  }

  async join(): Promise<void> {
    const me = currentCaller();
    while (this.#unfinished > 0 && me.alive) {
      await this.#joiners.wait(me, undefined);
    }
  }
}
