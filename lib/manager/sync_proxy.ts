/**
 * Proxies of the synchronization types a `SyncManager` serves. Their waits
 * happen on the server, so they never block the caller's thread, and they
 * work the same from any thread, process or machine.
 *
 * @module
 */
import { proxyMakers, withDefaults } from "./_client.ts";
import { BaseProxy } from "./proxy.ts";

/** Options of a blocking call on a proxy; `timeout` is in milliseconds. */
export interface ProxyAcquireOptions {
  /** Wait for the lock when it is taken. @default true */
  block?: boolean;
  /** Give up after this many milliseconds. @default Infinity */
  timeout?: number;
}

/** Options of `QueueProxy.put` and `QueueProxy.get`. */
export interface ProxyQueueOptions {
  /** Wait when the queue is full (put) or empty (get). @default true */
  block?: boolean;
  /** Give up after this many milliseconds. @default Infinity */
  timeout?: number;
}

/**
 * A proxy of a Lock, RLock, Semaphore or BoundedSemaphore on a manager
 * server, like Python's `AcquirerProxy`. An RLock's owner is the calling
 * thread's connection.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const lock = await manager.Lock();
 * assert.equal(await lock.acquire(), true);
 * assert.equal(await lock.acquire({ timeout: 10 }), false);
 * assert.equal(await lock.locked(), true);
 * await lock.release();
 * {
 *   await using _ = await lock.hold();
 * }
 * ```
 */
export class AcquirerProxy extends BaseProxy {
  /** Acquires; resolves `false` if not acquired in time (or at once when not blocking). */
  acquire(options?: ProxyAcquireOptions): Promise<boolean> {
    return this.callMethod(
      "acquire",
      withDefaults(options),
    ) as Promise<boolean>;
  }
  /** Releases. @throws {RangeError} If not held (by this thread, for an RLock) or over-released. */
  async release(): Promise<void> {
    await this.callMethod("release");
  }
  /**
   * Whether a Lock or RLock is held by anyone, like Python 3.14's
   * `locked()`.
   *
   * @throws {TypeError} On a Semaphore proxy (it has no `locked()`).
   */
  locked(): Promise<boolean> {
    return this.callMethod("locked") as Promise<boolean>;
  }
  /** Acquires, and releases when the returned handle is disposed. */
  async hold(): Promise<AsyncDisposable> {
    await this.acquire();
    return { [Symbol.asyncDispose]: () => this.release() };
  }
}

/**
 * A proxy of a Condition (over its own RLock) on a manager server.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const cond = await manager.Condition();
 * await cond.acquire();
 * assert.equal(await cond.wait(10), false);
 * await cond.notifyAll();
 * await cond.release();
 * ```
 */
export class ConditionProxy extends AcquirerProxy {
  /** Releases the lock, waits for a notify (or the timeout), re-acquires; resolves whether notified. */
  wait(timeoutMs?: number): Promise<boolean> {
    return this.callMethod(
      "wait",
      withDefaults(timeoutMs),
    ) as Promise<boolean>;
  }
  /**
   * Waits until `predicate()` (run here, not on the server) is truthy, or the
   * timeout passes; resolves the predicate's last result.
   */
  async waitFor<R>(
    predicate: () => R | Promise<R>,
    timeoutMs?: number,
  ): Promise<R> {
    const deadline = timeoutMs === undefined
      ? Infinity
      : performance.now() + timeoutMs;
    let result = await predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.wait(left === Infinity ? undefined : left);
      result = await predicate();
    }
    return result;
  }
  /** Wakes up to `n` waiters. @throws {RangeError} If the lock is not held. */
  async notify(n = 1): Promise<void> {
    await this.callMethod("notify", [n]);
  }
  /** Wakes every waiter. @throws {RangeError} If the lock is not held. */
  async notifyAll(): Promise<void> {
    await this.callMethod("notifyAll");
  }
}

/**
 * A proxy of an Event on a manager server.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const event = await manager.Event();
 * assert.equal(await event.wait(10), false);
 * await event.set();
 * assert.equal(await event.isSet(), true);
 * ```
 */
export class EventProxy extends BaseProxy {
  /** Whether the flag is set. */
  isSet(): Promise<boolean> {
    return this.callMethod("isSet") as Promise<boolean>;
  }
  /** Sets the flag and wakes every waiter. */
  async set(): Promise<void> {
    await this.callMethod("set");
  }
  /** Clears the flag. */
  async clear(): Promise<void> {
    await this.callMethod("clear");
  }
  /** Waits until the flag is set or the timeout passes; resolves the flag. */
  wait(timeoutMs?: number): Promise<boolean> {
    return this.callMethod(
      "wait",
      withDefaults(timeoutMs),
    ) as Promise<boolean>;
  }
}

/**
 * A proxy of a Barrier on a manager server.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const barrier = await manager.Barrier(2);
 * const indexes = await Promise.all([barrier.wait(), barrier.wait()]);
 * assert.deepEqual(indexes.sort(), [0, 1]);
 * ```
 */
export class BarrierProxy extends BaseProxy {
  /**
   * Waits until `parties` callers wait; resolves this caller's arrival index.
   *
   * @throws {BrokenBarrierError} If the barrier
   * breaks, is reset, or the timeout passes.
   */
  wait(timeoutMs?: number): Promise<number> {
    return this.callMethod(
      "wait",
      withDefaults(timeoutMs),
    ) as Promise<number>;
  }
  /** Breaks the barrier: current and future waits fail. */
  async abort(): Promise<void> {
    await this.callMethod("abort");
  }
  /** Returns to the empty, unbroken state; current waits fail. */
  async reset(): Promise<void> {
    await this.callMethod("reset");
  }
  /** The number of callers needed to pass. */
  parties(): Promise<number> {
    return this.callMethod("parties") as Promise<number>;
  }
  /** How many callers wait now. */
  nWaiting(): Promise<number> {
    return this.callMethod("nWaiting") as Promise<number>;
  }
  /** Whether the barrier is broken. */
  broken(): Promise<boolean> {
    return this.callMethod("broken") as Promise<boolean>;
  }
}

/**
 * A proxy of a Queue or JoinableQueue on a manager server.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const queue = await manager.JoinableQueue<string>();
 * await queue.put("job");
 * assert.equal(await queue.get(), "job");
 * await queue.taskDone();
 * await queue.join();
 * await queue.shutdown();
 * await assert.rejects(queue.put("late"), { name: "ShutDown" });
 * ```
 */
export class QueueProxy<T = unknown> extends BaseProxy {
  /** Adds `item`. @throws {Full} If full and not waiting (long enough). */
  async put(item: T, options?: ProxyQueueOptions): Promise<void> {
    await this.callMethod(
      "put",
      withDefaults(item, options),
    );
  }
  /** Removes and returns the oldest item. @throws {Empty} If empty and not waiting (long enough). */
  get(options?: ProxyQueueOptions): Promise<T> {
    return this.callMethod(
      "get",
      withDefaults(options),
    ) as Promise<T>;
  }
  /** `put` without waiting. */
  putNowait(item: T): Promise<void> {
    return this.put(item, { block: false });
  }
  /** `get` without waiting. */
  getNowait(): Promise<T> {
    return this.get({ block: false });
  }
  /** The number of items. */
  qsize(): Promise<number> {
    return this.callMethod("qsize") as Promise<number>;
  }
  /** Whether the queue is empty. */
  empty(): Promise<boolean> {
    return this.callMethod("empty") as Promise<boolean>;
  }
  /** Whether the queue is full. */
  full(): Promise<boolean> {
    return this.callMethod("full") as Promise<boolean>;
  }
  /** Marks one item taken with `get` as processed. */
  async taskDone(): Promise<void> {
    await this.callMethod("taskDone");
  }
  /** Waits until every item put has been marked done. */
  async join(): Promise<void> {
    await this.callMethod("join");
  }
  /**
   * Shuts the queue down, like Python 3.13's `shutdown(immediate)`: `put`
   * then rejects with `ShutDown`; `get` takes what is left, then rejects.
   * With `immediate`, what is left is dropped (each counted as done) and
   * `get` rejects at once. Waiting callers wake and reject.
   */
  async shutdown(immediate = false): Promise<void> {
    await this.callMethod("shutdown", [immediate]);
  }
}

for (const typeid of ["Lock", "RLock", "Semaphore", "BoundedSemaphore"]) {
  proxyMakers.set(typeid, (token) => new AcquirerProxy(token));
}
proxyMakers.set("Condition", (token) => new ConditionProxy(token));
proxyMakers.set("Event", (token) => new EventProxy(token));
proxyMakers.set("Barrier", (token) => new BarrierProxy(token));
proxyMakers.set("Queue", (token) => new QueueProxy(token));
proxyMakers.set("JoinableQueue", (token) => new QueueProxy(token));
