// The synchronization types a SyncManager serves: plain objects owned by the
// server with async methods, so one client's wait never blocks another. The
// owner of an RLock or Condition is the client connection (one per thread).
//
// A client that disconnects while waiting has its waits cancelled: units
// and wake-ups go to live waiters only. A lock *held* by a client that
// disconnects stays held, as in Python, and as a local Lock held by a
// terminated Process does (see "Locks held by a process that dies" in the
// README).
import { type Caller, currentCaller } from "./caller.ts";
import { Waiters, type WaitOptions } from "./waiters.ts";
import { checkTimeout } from "../../_core/timeout.ts";
import { describe } from "../../_core/validate.ts";
import { BrokenBarrierError } from "../../errors.ts";

export type { WaitOptions } from "./waiters.ts";

const INT32_MAX = 2 ** 31 - 1;

/** The wait a call asks for: 0 when not blocking. */
export function timeoutOf(
  what: string,
  options: WaitOptions | null | undefined,
): number | undefined {
  const block = options?.block ?? true;
  return block ? checkTimeout(what, options?.timeout) : 0;
}

/** The server side of `manager.Semaphore()`; also the base of Lock. */
export class ServedSemaphore {
  #value: number;
  #waiters = new Waiters();
  readonly #what: string;
  readonly #bound: number;

  constructor(value: unknown = 1, what = "Semaphore", bounded = false) {
    if (typeof value !== "number") {
      throw new TypeError(
        `Cannot create ${what}: value must be a number, received ${
          describe(value)
        }`,
      );
    }
    if (!Number.isInteger(value) || value < 0 || value > INT32_MAX) {
      throw new RangeError(
        `Cannot create ${what}: value must be an integer from 0 to ${INT32_MAX}, received ${value}`,
      );
    }
    this.#value = value;
    this.#what = what;
    this.#bound = bounded ? value : INT32_MAX;
  }

  acquire(options?: WaitOptions | null): Promise<boolean> {
    const timeout = timeoutOf(`acquire ${this.#what}`, options);
    return this._acquireFor(currentCaller(), timeout);
  }

  /** Acquires on behalf of `me` (for the owner-aware types built on this). */
  async _acquireFor(me: Caller, timeout: number | undefined): Promise<boolean> {
    if (this.#value > 0 && this.#waiters.size === 0) {
      this.#value--;
      return true;
    }
    if (timeout === 0) return false;
    // A woken waiter takes the unit directly (see release).
    return await this.#waiters.wait(me, timeout);
  }

  /** Gives back `n` units; O(1) whatever `n`. */
  release(n: unknown = 1): void {
    if (typeof n !== "number") {
      throw new TypeError(
        `Cannot release ${this.#what}: n must be a number, received ${
          describe(n)
        }`,
      );
    }
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Cannot release ${this.#what}: n must be an integer of at least 1, received ${n}`,
      );
    }
    const handed = Math.min(n, this.#waiters.size);
    if (this.#value + n - handed > this.#bound) {
      throw new RangeError(
        this.#bound === INT32_MAX
          ? `Cannot release ${this.#what}: its value would pass ${INT32_MAX}`
          : `Cannot release ${this.#what}: released more times than acquired`,
      );
    }
    this.#value += n - this.#waiters.wake(handed);
  }

  getValue(): number {
    return this.#value;
  }
}

/** The server side of `manager.Lock()`. */
export class ServedLock extends ServedSemaphore {
  constructor() {
    super(1, "Lock", true);
  }

  locked(): boolean {
    return this.getValue() === 0;
  }

  // A Condition's view of its lock (`_` methods are not exposed).
  // A plain Lock has no owner: held means locked.

  _ownedBy(_me: Caller): boolean {
    return this.locked();
  }

  _releaseAll(me: Caller): number {
    if (!this._ownedBy(me)) throw notHeld("wait on");
    this.release();
    return 1;
  }

  async _restore(me: Caller, _depth: number): Promise<void> {
    await this._acquireFor(me, undefined);
  }
}

function notHeld(what: string): RangeError {
  return new RangeError(
    `Cannot ${what} Condition: its lock is not held by this client`,
  );
}

/** The server side of `manager.BoundedSemaphore()`. */
export class ServedBoundedSemaphore extends ServedSemaphore {
  constructor(value: unknown = 1) {
    super(value, "BoundedSemaphore", true);
  }
}

/** The server side of `manager.RLock()`: re-entrant for its owner client. */
export class ServedRLock {
  #lock = new ServedLock();
  #owner: Caller | null = null;
  #count = 0;

  async acquire(options?: WaitOptions | null): Promise<boolean> {
    const me = currentCaller();
    if (this.#owner === me) {
      this.#count++;
      return true;
    }
    const timeout = timeoutOf("acquire RLock", options);
    if (!await this.#lock._acquireFor(me, timeout)) return false;
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

  // A Condition's view of its lock (`_` methods are not exposed).

  _ownedBy(me: Caller): boolean {
    return this.#owner === me;
  }

  /** Releases fully for a Condition wait; returns the depth to restore. */
  _releaseAll(me: Caller): number {
    if (this.#owner !== me) throw notHeld("wait on");
    const depth = this.#count;
    this.#owner = null;
    this.#count = 0;
    this.#lock.release();
    return depth;
  }

  async _restore(me: Caller, depth: number): Promise<void> {
    if (!await this.#lock._acquireFor(me, undefined)) return;
    this.#owner = me;
    this.#count = depth;
  }
}

/** The server side of `manager.Condition(lock?)`: over `lock`, or its own RLock. */
export class ServedCondition {
  #lock: ServedLock | ServedRLock;
  #waiters = new Waiters();

  constructor(lock: ServedLock | ServedRLock = new ServedRLock()) {
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
    const woken = await this.#waiters.wait(me, ms);
    // A client that left does not take the lock back.
    if (me.alive) await this.#lock._restore(me, depth);
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
export class ServedEvent {
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
    await this.#waiters.wait(currentCaller(), ms);
    return this.#flag;
  }
}

/** The server side of `manager.Barrier()`. */
export class ServedBarrier {
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
    const me = currentCaller();
    const round = this.#round;
    const index = this.#arrived++;
    if (this.#arrived === this.#parties) {
      round.passed = true;
      this.#next();
      return index;
    }
    // A party that left stays counted (as in Python) but breaks nothing.
    if (!await this.#waiters.wait(me, ms) && me.alive) this.abort();
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
