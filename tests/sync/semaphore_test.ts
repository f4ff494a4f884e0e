import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BoundedSemaphore, Process, Semaphore } from "../../mod.ts";
import { fixture, runProcesses, sharedInts, within } from "../_helpers.ts";

const module = fixture("sync_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/sync_targets.ts");

/**
 * Starts 3 workers running `target(sem, cells, 1)` and one async taker
 * (`takeAsync`), lets them all fall asleep on `sem`, calls `release`, and
 * waits until every taker is through; returns the workers' cells.
 */
async function wakeSleepers(
  sem: Semaphore,
  target: (sem: Semaphore, cells: Int32Array, times: number) => void,
  takeAsync: () => Promise<boolean>,
  release: () => void,
): Promise<Int32Array> {
  const cells = sharedInts(2);
  const takers = globalThis.Array.from(
    { length: 3 },
    () => new Process({ target, args: [sem, cells, 1], module }),
  );
  for (const p of takers) p.start();
  const asyncTaker = takeAsync();
  await new Promise((resolve) => setTimeout(resolve, 100)); // all asleep
  release();
  assert.equal(await within(asyncTaker, 10_000, "the async taker"), true);
  await within(
    Promise.all(takers.map((p) => p.join())),
    10_000,
    "the blocking takers",
  );
  return cells;
}

describe("Semaphore", () => {
  test("Semaphore.acquire() takes units until none is left", () => {
    const sem = new Semaphore(2);
    assert.equal(sem.acquire(), true);
    assert.equal(sem.acquire({ block: false }), true);
    assert.equal(sem.acquire({ block: false }), false);
    assert.equal(sem.getValue(), 0);
    sem.release();
    sem.release();
    sem.release(); // a plain Semaphore may go past its initial value
    assert.equal(sem.getValue(), 3);
    assert.equal(new Semaphore().getValue(), 1);
  });

  test("Semaphore(1) stress: 4 workers × 100,000 guarded increments lose nothing", async () => {
    const sem = new Semaphore(1);
    const shared = sharedInts();
    await runProcesses(4, () =>
      new Process({
        target: targets.lockedIncrements,
        args: [sem, shared, 100_000],
        module,
      }));
    assert.equal(shared[0], 400_000);
    assert.equal(sem.getValue(), 1);
  });

  test("Semaphore(0) stress: 2 releasers × 30,000 wake 2 blocking, 1 timed and 1 async taker, exactly, and leave the value at 0", async () => {
    const sem = new Semaphore(0);
    const cells = sharedInts(2); // units taken, timeouts
    const taker = (times: number, timeoutMs?: number) =>
      new Process({
        target: targets.acquireMany,
        args: [sem, cells, times, timeoutMs],
        module,
      });
    const workers = runProcesses(5, (i) =>
      i < 2
        ? new Process({
          target: targets.releaseMany,
          args: [sem, 30_000],
          module,
        })
        : i < 4
        ? taker(20_000)
        : taker(15_000, 0.02));
    for (let i = 0; i < 5_000; i++) {
      await sem.acquireAsync();
      Atomics.add(cells, 0, 1);
    }
    await within(workers, 60_000, "the semaphore stress");
    assert.equal(cells[0], 60_000);
    assert.equal(sem.getValue(), 0);
    // Nobody sleeps now: a release leaves its unit for the next taker.
    sem.release();
    assert.equal(sem.acquire({ block: false }), true);
    assert.equal(sem.acquire({ block: false }), false);
  });

  for (const Kind of [Semaphore, BoundedSemaphore]) {
    test(`${Kind.name}(2) stress: 4 workers × 100,000 acquire/release never see more than 2 holders`, async () => {
      const sem = new Kind(2);
      const cells = sharedInts(3);
      await runProcesses(4, () =>
        new Process({
          target: targets.countHolders,
          args: [sem, cells, 100_000, 2],
          module,
        }));
      assert.deepEqual([...cells], [0, 0, 0]); // holders, too many, bad releases
      assert.equal(sem.getValue(), 2);
    });
  }

  for (
    const [Kind, units] of [[Semaphore, 1], [BoundedSemaphore, 2]] as const
  ) {
    test(`${Kind.name}(${units}) stress: blocking, timed and async takers never over-admit and give back every unit`, async () => {
      const sem = new Kind(units);
      const cells = sharedInts(5); // holders, too many, -, timeouts, held
      const workers = runProcesses(4, (i) =>
        i < 2
          ? new Process({
            target: targets.countHolders,
            args: [sem, cells, 20_000, units],
            module,
          })
          : new Process({
            target: targets.countTimedHolders,
            args: [sem, cells, 20_000, units, i === 2 ? 0 : 0.05],
            module,
          }));
      for (let i = 0; i < 2_000; i++) {
        while (!await sem.acquireAsync({ timeout: 1 })) {
          Atomics.add(cells, 3, 1);
        }
        if (Atomics.add(cells, 0, 1) + 1 > units) Atomics.add(cells, 1, 1);
        Atomics.sub(cells, 0, 1);
        sem.release();
      }
      await within(workers, 60_000, "the semaphore stress");
      assert.deepEqual([cells[0], cells[1], cells[2], cells[4]], [
        0,
        0,
        0,
        40_000,
      ]);
      assert.equal(sem.getValue(), units);
      assert.equal(sem.acquire({ block: false }), true);
    });
  }

  test("Semaphore: releases in a row, before any sleeper ran, wake as many sleepers", async () => {
    for (let round = 0; round < 5; round++) {
      const sem = round % 2 === 0 ? new Semaphore(0) : new BoundedSemaphore(4);
      if (round % 2 === 1) { for (let i = 0; i < 4; i++) sem.acquire(); }
      const cells = await wakeSleepers(
        sem,
        targets.acquireMany,
        () => sem.acquireAsync({ timeout: 10_000 }),
        () => {
          for (let i = 0; i < 4; i++) sem.release();
        },
      );
      assert.equal(cells[0], 3);
      assert.equal(sem.getValue(), 0);
    }
  });

  test("Semaphore: one unit passes through every sleeper, each woken by the release of the one before", async () => {
    for (let round = 0; round < 3; round++) {
      const sem = round % 2 === 0 ? new Semaphore(0) : new BoundedSemaphore(1);
      if (round % 2 === 1) sem.acquire();
      const cells = await wakeSleepers(
        sem,
        targets.lockedIncrements,
        async () => {
          const got = await sem.acquireAsync({ timeout: 10_000 });
          if (got) sem.release();
          return got;
        },
        () => sem.release(),
      );
      assert.equal(cells[0], 3);
      assert.equal(sem.getValue(), 1);
    }
  });

  test("Semaphore.acquire({ timeout }) and acquireAsync({ timeout }) return false after the timeout", async () => {
    const sem = new Semaphore(0);
    let started = performance.now();
    assert.equal(sem.acquire({ timeout: 50 }), false);
    assert.ok(performance.now() - started >= 45);
    started = performance.now();
    assert.equal(await sem.acquireAsync({ timeout: 50 }), false);
    assert.ok(performance.now() - started >= 45);
    await assert.rejects(sem.holdAsync({ timeout: 5 }), {
      name: "TimeoutError",
      message: "Cannot hold Semaphore: not acquired within 5 ms",
    });
  });

  test("Semaphore.acquireAsync() is woken by a release in a worker", async () => {
    const sem = new Semaphore(0);
    const waiting = sem.acquireAsync({ timeout: 10_000 });
    const releaser = new Process({
      target: (s: Semaphore) => s.release(),
      args: [sem],
    });
    releaser.start();
    assert.equal(await waiting, true);
    await releaser.join();
    assert.equal(sem.getValue(), 0);
  });

  test("Semaphore.hold() gives the unit back at the end of a using block", async () => {
    const sem = new BoundedSemaphore(1);
    {
      await using _ = await sem.holdAsync();
      assert.equal(sem.getValue(), 0);
    }
    {
      using _ = sem.hold();
      assert.equal(sem.getValue(), 0);
    }
    assert.equal(sem.getValue(), 1);
  });

  test("BoundedSemaphore shared with a worker keeps its bound", async () => {
    const sem = new BoundedSemaphore(1);
    sem.acquire();
    const p = new Process({
      target: (s: BoundedSemaphore) => {
        s.release();
        s.release();
      },
      args: [sem],
    });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 1);
    assert.equal(sem.getValue(), 1);
  });
});

describe("Semaphore bad input", () => {
  test("new Semaphore() rejects a negative, fractional or non-numeric value", () => {
    assert.throws(() => new Semaphore(-1), {
      name: "RangeError",
      message:
        "Cannot create Semaphore: value must be an integer from 0 to 2147483647, received -1",
    });
    assert.throws(() => new BoundedSemaphore(1.5), {
      name: "RangeError",
      message:
        "Cannot create BoundedSemaphore: value must be an integer from 0 to 2147483647, received 1.5",
    });
    assert.throws(() => new Semaphore("2" as never), {
      name: "TypeError",
      message: 'Cannot create Semaphore: value must be a number, received "2"',
    });
  });

  test("BoundedSemaphore.release() past the initial value throws RangeError", () => {
    const sem = new BoundedSemaphore(2);
    sem.acquire();
    sem.release();
    assert.throws(() => sem.release(), {
      name: "RangeError",
      message:
        "Cannot release BoundedSemaphore: it was released more times than acquired, its value is back at its initial 2",
    });
    assert.equal(sem.getValue(), 2);
  });

  test("Semaphore.acquire() rejects a timeout that is not a number", async () => {
    await assert.rejects(
      new BoundedSemaphore(0).acquireAsync({ timeout: NaN }),
      {
        name: "TypeError",
        message:
          "Cannot acquire BoundedSemaphore: timeout must be a number of milliseconds, received NaN",
      },
    );
  });
});
