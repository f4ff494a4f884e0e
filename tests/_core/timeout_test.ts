// One rule for every timeout: negative means "don't wait", `Infinity` and
// delays of 2^31 ms or more wait (setTimeout alone fires those at once).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Barrier,
  BrokenBarrierError,
  Condition,
  Empty,
  Event,
  Full,
  Lock,
  Pipe,
  Pool,
  Process,
  Queue,
  Semaphore,
  TimeoutError,
} from "../../mod.ts";
import {
  checkTimeout,
  settlesWithin,
  startTimer,
} from "../../lib/_core/timeout.ts";
import { fixture, sharedInts } from "../_helpers.ts";

const LONG = [Infinity, 2 ** 31, 2 ** 40];

/** A wait under test: `start` begins it, `satisfy` ends it from outside. */
interface Case {
  name: string;
  start(timeout: number): Promise<unknown>;
  satisfy(): void;
  /** What the wait gives when it gives up (or the error it rejects with). */
  gaveUp: unknown;
  /** What it gives once satisfied. */
  done: unknown;
}

function cases(): Case[] {
  const lock = new Lock();
  const sem = new Semaphore(0);
  const event = new Event();
  const cond = new Condition();
  const empty = new Queue();
  const full = new Queue(1);
  const [a, b] = Pipe();
  let barrier = new Barrier(2);
  return [
    {
      name: "Lock.acquireAsync",
      start: (timeout) => {
        lock.acquire();
        return lock.acquireAsync({ timeout });
      },
      satisfy: () => lock.release(),
      gaveUp: false,
      done: true,
    },
    {
      name: "Semaphore.acquireAsync",
      start: (timeout) => sem.acquireAsync({ timeout }),
      satisfy: () => sem.release(),
      gaveUp: false,
      done: true,
    },
    {
      name: "Event.waitAsync",
      start: (timeout) => {
        event.clear();
        return event.waitAsync(timeout);
      },
      satisfy: () => event.set(),
      gaveUp: false,
      done: true,
    },
    {
      name: "Condition.waitAsync",
      start: async (timeout) => {
        await cond.acquireAsync();
        try {
          return await cond.waitAsync(timeout);
        } finally {
          cond.release();
        }
      },
      satisfy: () => {
        using _ = cond.hold();
        cond.notifyAll();
      },
      gaveUp: false,
      done: true,
    },
    {
      name: "Barrier.waitAsync",
      start: (timeout) => {
        barrier = new Barrier(2);
        return barrier.waitAsync(timeout).then((i) => i === 0 || i === 1);
      },
      satisfy: () => void barrier.waitAsync(),
      gaveUp: BrokenBarrierError,
      done: true,
    },
    {
      name: "Queue.getAsync",
      start: (timeout) => empty.getAsync({ timeout }),
      satisfy: () => empty.put("item"),
      gaveUp: Empty,
      done: "item",
    },
    {
      name: "Queue.putAsync",
      start: (timeout) => {
        full.put("first");
        return full.putAsync("second", { timeout });
      },
      satisfy: () => full.get(),
      gaveUp: Full,
      done: undefined,
    },
    {
      name: "Connection.pollAsync",
      start: (timeout) => b.pollAsync(timeout),
      satisfy: () => a.send("x"),
      gaveUp: false,
      done: true,
    },
  ];
}

async function settle(promise: Promise<unknown>): Promise<unknown> {
  try {
    return await promise;
  } catch (error) {
    return (error as Error).constructor;
  }
}

describe("timeouts", () => {
  test("checkTimeout() maps none to undefined, negative to 0, and keeps Infinity", () => {
    assert.equal(checkTimeout("wait", undefined), undefined);
    assert.equal(checkTimeout("wait", null), undefined);
    assert.equal(checkTimeout("wait", -1), 0);
    assert.equal(checkTimeout("wait", -Infinity), 0);
    assert.equal(checkTimeout("wait", 0), 0);
    assert.equal(checkTimeout("wait", 2 ** 31), 2 ** 31);
    assert.equal(checkTimeout("wait", Infinity), Infinity);
    assert.throws(() => checkTimeout("wait", NaN), {
      name: "TypeError",
      message:
        "Cannot wait: timeout must be a number of milliseconds, received NaN",
    });
    assert.throws(() => checkTimeout("wait", "5"), {
      name: "TypeError",
      message:
        'Cannot wait: timeout must be a number of milliseconds, received "5"',
    });
  });

  test("startTimer() fires after a short delay and never for a long one within the test", async () => {
    let fired = 0;
    const long = startTimer(2 ** 31, () => fired++);
    const infinite = startTimer(Infinity, () => fired++);
    await new Promise<void>((resolve) => startTimer(30, resolve));
    assert.equal(fired, 0);
    long.clear();
    infinite.clear();
    const cleared = startTimer(10, () => fired++);
    cleared.clear();
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(fired, 0);
  });

  test("settlesWithin() tells whether a promise settled in time, and never rejects", async () => {
    assert.equal(await settlesWithin(new Promise(() => {}), 10), false);
    assert.equal(await settlesWithin(new Promise(() => {}), -5), false);
    assert.equal(await settlesWithin(Promise.reject(new Error("x")), 10), true);
    for (const ms of [...LONG, undefined]) {
      const later = new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await settlesWithin(later, ms), true);
    }
  });

  for (const index of cases().keys()) {
    const name = cases()[index].name;
    test(`${name}() with a negative timeout gives up at once`, async () => {
      const c = cases()[index];
      const started = performance.now();
      const result = await settle(c.start(-1));
      assert.ok(performance.now() - started < 500);
      assert.equal(result, c.gaveUp);
    });

    test(`${name}() with Infinity or >= 2^31 ms waits until satisfied`, async () => {
      for (const timeout of LONG) {
        const c = cases()[index];
        const promise = settle(c.start(timeout));
        await new Promise((resolve) => setTimeout(resolve, 50));
        c.satisfy();
        assert.equal(await promise, c.done, `timeout ${timeout}`);
      }
    });
  }

  test("sync waits with a negative timeout give up at once", () => {
    const lock = new Lock();
    lock.acquire();
    assert.equal(lock.acquire({ timeout: -1 }), false);
    assert.equal(new Semaphore(0).acquire({ timeout: -1 }), false);
    assert.equal(new Event().wait(-1), false);
    const cond = new Condition();
    cond.acquire();
    assert.equal(cond.wait(-1), false);
    cond.release();
    assert.throws(() => new Queue().get({ timeout: -1 }), Empty);
    const full = new Queue(1);
    full.put(1);
    assert.throws(() => full.put(2, { timeout: -1 }), Full);
    assert.equal(Pipe()[1].poll(-1), false);
  });

  test("Process.join() with a negative timeout returns at once; with Infinity or 2^31 it waits for the exit", async () => {
    const cells = sharedInts();
    const p = new Process({
      target: (c: Int32Array) => {
        while (Atomics.load(c, 0) === 0) Atomics.wait(c, 0, 0, 50);
      },
      args: [cells],
    });
    p.start();
    const started = performance.now();
    await p.join(-1);
    assert.ok(performance.now() - started < 500);
    assert.equal(p.isAlive(), true);
    const joined = [p.join(Infinity), p.join(2 ** 31)];
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(p.isAlive(), true);
    Atomics.store(cells, 0, 1);
    Atomics.notify(cells, 0);
    await Promise.all(joined);
    assert.equal(p.exitCode, 0);
  });

  test("AsyncResult.get() and wait() with a negative timeout give up at once; with Infinity or 2^31 they wait", async () => {
    await using pool = new Pool(1, { module: fixture("pool_tasks") });
    const tasks = await import(fixture("pool_tasks").href);
    const cells = sharedInts();
    const result = pool.applyAsync(tasks.spin, [cells]);
    await assert.rejects(result.get(-1), TimeoutError);
    assert.equal(await result.wait(-1), false);
    const waits = [
      result.get(Infinity),
      result.get(2 ** 31),
      result.wait(Infinity),
      result.wait(2 ** 31),
    ];
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(result.ready(), false);
    Atomics.store(cells, 0, 1);
    assert.deepEqual(await Promise.all(waits), [
      "released",
      "released",
      true,
      true,
    ]);
  });
});
