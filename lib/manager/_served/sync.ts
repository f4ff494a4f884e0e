// The synchronization types a SyncManager serves: plain objects owned by the
// server with async methods, so one client's wait never blocks another. The
// owner of an RLock or Condition is the client session (one per thread).
import { currentCaller } from "../_server.ts";
import { BrokenBarrierError, Empty, Full } from "../../errors.ts";
import { checkTimeout, startTimer, type Timer } from "../../_core/timeout.ts";

/** How long a blocking call may wait; `timeout` in milliseconds. */
export interface WaitOptions {
  blocking?: boolean;
  block?: boolean;
  timeout?: number | null;
}

/** FIFO waiters, each woken once with `true`, or `false` on timeout. */
class Waiters {
  #queue: ((woken: boolean) => void)[] = [];

  get size(): number {
    return this.#queue.length;
  }

  wait(timeout: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: Timer | undefined;
      const wake = (woken: boolean) => {
        timer?.clear();
        resolve(woken);
      };
      this.#queue.push(wake);
      if (timeout !== undefined) {
        timer = startTimer(timeout, () => {
          const i = this.#queue.indexOf(wake);
          if (i >= 0) this.#queue.splice(i, 1);
          resolve(false);
        });
      }
    });
  }

  wake(n = 1): number {
    const woken = this.#queue.splice(0, n);
    for (const w of woken) w(true);
    return woken.length;
  }
}

function timeoutOf(what: string, options: WaitOptions | null | undefined) {
  const blocking = options?.blocking ?? options?.block ?? true;
  return blocking ? checkTimeout(what, options?.timeout) : 0;
}

/** The server side of `manager.Semaphore()`; also the base of Lock. */
export class SharedSemaphore {
  #value: number;
  #waiters = new Waiters();
  readonly #what: string;
  readonly #bound: number;

  constructor(value: unknown = 1, what = "Semaphore", bounded = false) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw new RangeError(
        `Cannot create ${what}: value must be an integer >= 0, received ${value}`,
      );
    }
    this.#value = value;
    this.#what = what;
    this.#bound = bounded ? value : Infinity;
  }

  async acquire(options?: WaitOptions | null): Promise<boolean> {
    const timeout = timeoutOf(`acquire ${this.#what}`, options);
    if (this.#value > 0 && this.#waiters.size === 0) {
      this.#value--;
      return true;
    }
    if (timeout === 0) return false;
    return await this.#waiters.wait(timeout);
  }

  release(n = 1): void {
    for (let i = 0; i < n; i++) {
      if (this.#value + 1 > this.#bound) {
        throw new RangeError(
          `Cannot release ${this.#what}: released more times than acquired`,
        );
      }
      // A woken waiter takes the unit directly.
      if (this.#waiters.wake(1) === 0) this.#value++;
    }
  }

  getValue(): number {
    return this.#value;
  }
}

/** The server side of `manager.Lock()`. */
export class SharedLock extends SharedSemaphore {
  constructor() {
    super(1, "Lock", true);
  }

  locked(): boolean {
    return this.getValue() === 0;
  }

  // A Condition's view of its lock (`_` methods cannot be called remotely).
  // A plain Lock has no owner: held means locked.

  _ownedBy(_me: object): boolean {
    return this.locked();
  }

  _releaseAll(me: object): number {
    if (!this._ownedBy(me)) throw notHeld("wait on");
    this.release();
    return 1;
  }

  async _restore(_me: object, _depth: number): Promise<void> {
    await this.acquire();
  }
}

function notHeld(what: string): RangeError {
  return new RangeError(
    `Cannot ${what} Condition: its lock is not held by this client`,
  );
}

/** The server side of `manager.BoundedSemaphore()`. */
export class SharedBoundedSemaphore extends SharedSemaphore {
  constructor(value: unknown = 1) {
    super(value, "BoundedSemaphore", true);
  }
}

/** The server side of `manager.RLock()`: re-entrant for its owner session. */
export class SharedRLock {
  #lock = new SharedLock();
  #owner: object | null = null;
  #count = 0;

  async acquire(options?: WaitOptions | null): Promise<boolean> {
    const me = currentCaller();
    if (this.#owner === me) {
      this.#count++;
      return true;
    }
    if (!await this.#lock.acquire(options)) return false;
    this.#owner = me;
    this.#count = 1;
    return true;
  }

  release(): void {
    if (this.#owner !== currentCaller()) {
      throw new RangeError(
        "Cannot release RLock: it is not held by this client",
      );
    }
    if (--this.#count === 0) {
      this.#owner = null;
      this.#lock.release();
    }
  }

  locked(): boolean {
    return this.#owner !== null;
  }

  // A Condition's view of its lock (`_` methods cannot be called remotely).

  _ownedBy(me: object): boolean {
    return this.#owner === me;
  }

  /** Releases fully for a Condition wait; returns the depth to restore. */
  _releaseAll(me: object): number {
    if (this.#owner !== me) throw notHeld("wait on");
    const depth = this.#count;
    this.#owner = null;
    this.#count = 0;
    this.#lock.release();
    return depth;
  }

  async _restore(me: object, depth: number): Promise<void> {
    await this.#lock.acquire();
    this.#owner = me;
    this.#count = depth;
  }
}

/** The server side of `manager.Condition(lock?)`: over `lock`, or its own RLock. */
export class SharedCondition {
  #lock: SharedLock | SharedRLock;
  #waiters = new Waiters();

  constructor(lock: SharedLock | SharedRLock = new SharedRLock()) {
    this.#lock = lock;
  }

  acquire(options?: WaitOptions | null): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  release(): void {
    this.#lock.release();
  }

  async wait(timeout?: number | null): Promise<boolean> {
    const ms = checkTimeout("wait on Condition", timeout);
    const me = currentCaller();
    const depth = this.#lock._releaseAll(me);
    const woken = await this.#waiters.wait(ms);
    await this.#lock._restore(me, depth);
    return woken;
  }

  notify(n = 1): void {
    if (!this.#lock._ownedBy(currentCaller())) throw notHeld("notify");
    this.#waiters.wake(n);
  }

  notifyAll(): void {
    this.notify(Infinity);
  }
}

/** The server side of `manager.Event()`. */
export class SharedEvent {
  #flag = false;
  #waiters = new Waiters();

  isSet(): boolean {
    return this.#flag;
  }

  set(): void {
    this.#flag = true;
    this.#waiters.wake(Infinity);
  }

  clear(): void {
    this.#flag = false;
  }

  async wait(timeout?: number | null): Promise<boolean> {
    const ms = checkTimeout("wait on Event", timeout);
    if (this.#flag) return true;
    if (ms === 0) return false;
    await this.#waiters.wait(ms);
    return this.#flag;
  }
}

/** The server side of `manager.Barrier()`. */
export class SharedBarrier {
  #parties: number;
  #timeout: number | undefined;
  #arrived = 0;
  #broken = false;
  /** The current cycle; waiters of a cycle pass only if it completes. */
  #round = { passed: false };
  #waiters = new Waiters();

  constructor(parties: unknown, options?: { timeout?: number | null } | null) {
    if (
      typeof parties !== "number" || !Number.isInteger(parties) || parties < 1
    ) {
      throw new RangeError(
        `Cannot create Barrier: parties must be an integer >= 1, received ${parties}`,
      );
    }
    this.#parties = parties;
    this.#timeout = checkTimeout("create Barrier", options?.timeout);
  }

  async wait(timeout?: number | null): Promise<number> {
    const ms = checkTimeout("wait on Barrier", timeout) ?? this.#timeout;
    if (this.#broken) throw new BrokenBarrierError("Barrier is broken");
    const round = this.#round;
    const index = this.#arrived++;
    if (this.#arrived === this.#parties) {
      round.passed = true;
      this.#next();
      return index;
    }
    if (!await this.#waiters.wait(ms)) this.abort();
    if (!round.passed) throw new BrokenBarrierError("Barrier is broken");
    return index;
  }

  abort(): void {
    this.#broken = true;
    this.#next();
  }

  reset(): void {
    this.#next();
    this.#broken = false;
  }

  parties(): number {
    return this.#parties;
  }

  nWaiting(): number {
    return this.#arrived;
  }

  broken(): boolean {
    return this.#broken;
  }

  #next(): void {
    this.#round = { passed: false };
    this.#arrived = 0;
    this.#waiters.wake(Infinity);
  }
}

/** The server side of `manager.Queue()` and `manager.JoinableQueue()`. */
export class SharedQueue {
  #items: unknown[] = [];
  #maxsize: number;
  #getters = new Waiters();
  #putters = new Waiters();
  #unfinished = 0;
  #joiners = new Waiters();

  constructor(maxsize: unknown = 0) {
    if (typeof maxsize !== "number" || !Number.isInteger(maxsize)) {
      throw new TypeError(
        `Cannot create Queue: maxsize must be an integer, received ${maxsize}`,
      );
    }
    this.#maxsize = maxsize <= 0 ? Infinity : maxsize;
  }

  async put(item: unknown, options?: WaitOptions | null): Promise<void> {
    const timeout = timeoutOf("put to Queue", options);
    while (this.#items.length >= this.#maxsize) {
      if (timeout === 0 || !await this.#putters.wait(timeout)) {
        throw new Full("Queue is full");
      }
    }
    this.#items.push(item);
    this.#unfinished++;
    this.#getters.wake(1);
  }

  async get(options?: WaitOptions | null): Promise<unknown> {
    const timeout = timeoutOf("get from Queue", options);
    while (this.#items.length === 0) {
      if (timeout === 0 || !await this.#getters.wait(timeout)) {
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
    while (this.#unfinished > 0) await this.#joiners.wait(undefined);
  }
}
