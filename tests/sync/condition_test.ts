import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Condition, Lock, Process } from "../../mod.ts";
import { fixture, runProcesses, sharedInts, waitUntil } from "../_helpers.ts";

const module = fixture("sync_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/sync_targets.ts");

describe("Condition", () => {
  test("Condition stress: 2 producers and 2 consumers pass 10,000 items, none lost or repeated", async () => {
    const cond = new Condition();
    const ring = sharedInts(4);
    const slots = sharedInts(8);
    const seen = sharedInts(10_000);
    const consumers = runProcesses(2, () =>
      new Process({
        target: targets.consume,
        args: [cond, ring, slots, seen],
        module,
      }));
    await runProcesses(2, (i) =>
      new Process({
        target: targets.produce,
        args: [cond, ring, slots, i * 5_000, 5_000],
        module,
      }));
    {
      await using _ = await cond.holdAsync();
      ring[3] = 1; // done
      cond.notifyAll();
    }
    await consumers;
    assert.equal(seen.reduce((sum, n) => sum + n, 0), 10_000);
    assert.ok(seen.every((n) => n === 1));
  });

  test("Condition.notify(n) wakes n waiters and notifyAll() the rest", async () => {
    const cond = new Condition(new Lock());
    const counts = sharedInts(2);
    const running = runProcesses(3, () =>
      new Process({
        target: targets.waitOnCondition,
        args: [cond, counts],
        module,
      }));
    await waitUntil(() => Atomics.load(counts, 0) === 3);
    {
      await using _ = await cond.holdAsync();
      cond.notify(2);
    }
    await waitUntil(() => Atomics.load(counts, 1) === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(Atomics.load(counts, 1), 2);
    {
      await using _ = await cond.holdAsync();
      cond.notifyAll();
    }
    await running;
    assert.equal(counts[1], 3);
  });

  test("Condition.wait(50) and waitAsync(50) return false after the timeout and hold the lock again", async () => {
    const cond = new Condition();
    cond.acquire();
    let started = performance.now();
    assert.equal(cond.wait(50), false);
    assert.ok(performance.now() - started >= 45);
    started = performance.now();
    assert.equal(await cond.waitAsync(50), false);
    assert.ok(performance.now() - started >= 45);
    assert.equal(cond.waitFor(() => 0, 20), 0);
    cond.notify(); // still held: no throw
    cond.release();
  });

  test("Condition.waitForAsync() returns as soon as a worker makes the predicate true", async () => {
    const cond = new Condition();
    const flag = sharedInts(1);
    await using _ = await cond.holdAsync();
    const p = new Process({
      target: (c: Condition, f: Int32Array) => {
        c.acquire();
        f[0] = 7;
        c.notify();
        c.release();
      },
      args: [cond, flag],
    });
    p.start();
    assert.equal(await cond.waitForAsync(() => flag[0], 10_000), 7);
    await p.join();
  });
});

describe("Condition bad input", () => {
  test("Condition.wait() and notify() without the lock throw RangeError", async () => {
    const cond = new Condition();
    assert.throws(() => cond.wait(10), {
      name: "RangeError",
      message: "Cannot wait on Condition: this thread does not hold its lock",
    });
    await assert.rejects(cond.waitAsync(10), {
      name: "RangeError",
      message: "Cannot wait on Condition: this thread does not hold its lock",
    });
    assert.throws(() => cond.notify(), {
      name: "RangeError",
      message: "Cannot notify on Condition: this thread does not hold its lock",
    });
    assert.equal(cond.acquire({ block: false }), true);
    cond.release();
  });

  test("new Condition() rejects a lock that is not a Lock or RLock, and notify() a bad n", () => {
    assert.throws(() => new Condition({} as never), {
      name: "TypeError",
      message:
        "Cannot create Condition: lock must be a Lock or an RLock, received an object (Object)",
    });
    const cond = new Condition();
    using _ = cond.hold();
    assert.throws(() => cond.notify(-1), {
      name: "RangeError",
      message:
        "Cannot notify Condition: n must be an integer >= 0, received -1",
    });
    assert.throws(() => cond.wait("1" as never), {
      name: "TypeError",
      message:
        'Cannot wait on Condition: timeout must be a number of milliseconds, received "1"',
    });
  });
});
