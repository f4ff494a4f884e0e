import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Barrier, BrokenBarrierError, Process } from "../../mod.ts";
import { fixture, runFixture, runProcesses, sharedInts } from "../_helpers.ts";

const module = fixture("sync_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/sync_targets.ts");

describe("Barrier", () => {
  test("Barrier stress: 4 parties over 1,000 rounds never let a worker through early", async () => {
    const barrier = new Barrier(4);
    const arrivals = sharedInts(1_000);
    const indexSums = sharedInts(1_000);
    const early = sharedInts(1);
    await runProcesses(4, () =>
      new Process({
        target: targets.barrierRounds,
        args: [barrier, arrivals, indexSums, early],
        module,
      }));
    assert.equal(early[0], 0);
    assert.ok(arrivals.every((n) => n === 4));
    assert.ok(indexSums.every((n) => n === 0 + 1 + 2 + 3));
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  });

  test("Barrier runs its action once per round, before anyone goes on", async () => {
    let trips = 0;
    const barrier = new Barrier(3, { action: () => void trips++ });
    assert.equal(barrier.parties, 3);
    for (let round = 1; round <= 3; round++) {
      const waits = [barrier.waitAsync(), barrier.waitAsync()];
      assert.equal(barrier.nWaiting, 2);
      assert.equal(trips, round - 1);
      waits.push(barrier.waitAsync());
      assert.deepEqual((await Promise.all(waits)).sort(), [0, 1, 2]);
      assert.equal(trips, round);
    }
  });

  test("Barrier.wait(50) breaks the barrier after the timeout; reset() mends it", async () => {
    const barrier = new Barrier(2);
    const started = performance.now();
    assert.throws(() => barrier.wait(50), {
      name: "BrokenBarrierError",
      message: "Cannot wait on Barrier: it is broken",
    });
    assert.ok(performance.now() - started >= 45);
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.waitAsync(), BrokenBarrierError);
    barrier.reset();
    assert.equal(barrier.broken, false);
    const timed = new Barrier(2, { timeout: 30 });
    await assert.rejects(timed.waitAsync(), BrokenBarrierError);
  });

  test("Barrier.abort() wakes a waiting worker with BrokenBarrierError", async () => {
    const barrier = new Barrier(2);
    const flag = sharedInts(1);
    const p = new Process({
      target: (b: Barrier, f: Int32Array) => {
        try {
          b.wait();
        } catch (error) {
          if ((error as Error).name === "BrokenBarrierError") f[0] = 1;
        }
      },
      args: [barrier, flag],
    });
    p.start();
    while (barrier.nWaiting === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    barrier.abort();
    await p.join();
    assert.equal(flag[0], 1);
  });

  test("Barrier with an action throwing breaks, and the error reaches the last waiter", async () => {
    const barrier = new Barrier(2, {
      action: () => {
        throw new Error("action failed");
      },
    });
    const results = await Promise.allSettled([
      barrier.waitAsync(),
      barrier.waitAsync(),
    ]);
    assert.deepEqual(
      results.map((r) => r.status === "rejected" && r.reason.message),
      ["Cannot wait on Barrier: it is broken", "action failed"],
    );
    assert.equal(barrier.broken, true);
  });
});

describe("Barrier as a script", () => {
  test("a Barrier action sent to workers runs once per round", async () => {
    const { code, stdout } = await runFixture("barrier_action");
    assert.equal(code, 0);
    assert.equal(stdout, "tripped\ntripped\ntripped\nexit codes 0 0\n");
  });
});

describe("Barrier bad input", () => {
  test("new Barrier() rejects bad parties and options", () => {
    assert.throws(() => new Barrier(0), {
      name: "RangeError",
      message:
        "Cannot create Barrier: parties must be an integer >= 1, received 0",
    });
    assert.throws(() => new Barrier("2" as never), {
      name: "TypeError",
      message:
        'Cannot create Barrier: parties must be an integer >= 1, received "2"',
    });
    assert.throws(() => new Barrier(2, { timeout: "1" as never }), {
      name: "TypeError",
      message:
        'Cannot create Barrier: timeout must be a number of milliseconds, received "1"',
    });
    assert.throws(() => new Barrier(2, { action: Math.random }), {
      name: "TypeError",
      message:
        /^Cannot create Barrier: "action" is a native or bound function.*received function random$/,
    });
  });
});
