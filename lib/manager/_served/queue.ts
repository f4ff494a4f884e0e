// The server side of `manager.Queue()` and `manager.JoinableQueue()`. A
// client that disconnects while waiting in `get` or `put` is dropped from
// the queue of waiters: the next item goes to a live getter.
import { currentCaller } from "./caller.ts";
import { timeoutOf } from "./sync.ts";
import { deadlineOf, leftUntil, Waiters, type WaitOptions } from "./waiters.ts";
import { Empty, Full, ShutDown } from "../../errors.ts";
import { describe } from "../../_core/validate.ts";

/** A FIFO queue whose blocking calls wait on the server. */
export class ServedQueue {
  #items: unknown[] = [];
  #maxsize: number;
  #getters = new Waiters();
  #putters = new Waiters();
  #unfinished = 0;
  #joiners = new Waiters();
  #shutDown = false;

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
    this.#checkOpen("put item on Queue");
    while (this.#items.length >= this.#maxsize) {
      if (timeout === 0 || !await this.#putters.wait(me, leftUntil(deadline))) {
        this.#checkOpen("put item on Queue");
        throw new Full("Queue is full");
      }
      this.#checkOpen("put item on Queue");
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
      this.#checkDrained();
      if (timeout === 0 || !await this.#getters.wait(me, leftUntil(deadline))) {
        this.#checkDrained();
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

  /**
   * Python 3.13's `shutdown(immediate)`: `put` then throws `ShutDown`;
   * `get` returns what is left, then throws; `immediate` drops what is left
   * (each dropped item counts as done). Blocked callers wake and throw.
   */
  shutdown(immediate: unknown = false): void {
    this.#shutDown = true;
    if (immediate === true) {
      const dropped = this.#items.length;
      this.#items.length = 0;
      this.#unfinished = Math.max(0, this.#unfinished - dropped);
      if (this.#unfinished === 0) this.#joiners.wake(Infinity);
    }
    this.#getters.wake(Infinity);
    this.#putters.wake(Infinity);
  }

  #checkOpen(what: string): void {
    if (this.#shutDown) throw new ShutDown(`Cannot ${what}: it is shut down`);
  }

  #checkDrained(): void {
    if (this.#shutDown) {
      throw new ShutDown(
        "Cannot get item from Queue: it is shut down and empty",
      );
    }
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
