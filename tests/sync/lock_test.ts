import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Lock, Process, type ProcessOptions, RLock } from "../../mod.ts";
import {
  fixture,
  runFixture,
  runProcesses,
  sharedInts,
  waitUntil,
  within,
} from "../_helpers.ts";

const module = fixture("sync_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/sync_targets.ts");

function runAll<A extends unknown[]>(
  count: number,
  options: Omit<ProcessOptions<A>, "module">,
): Promise<void> {
  return runProcesses(
    count,
    () => new Process({ ...options, module }) as Process<never>,
  );
}

for (const Kind of [Lock, RLock]) {
  const name = Kind.name;
  describe(name, () => {
    test(`${name}.acquire() and release() toggle the lock`, () => {
      const lock = new Kind();
      assert.equal(lock.acquire(), true);
      if (Kind === Lock) {
        assert.equal(lock.acquire({ block: false }), false);
      }
      lock.release();
      assert.equal(lock.acquire({ block: false }), true);
      lock.release();
    });

    test(`${name} stress: 4 workers × 100,000 locked increments lose nothing`, async () => {
      const lock = new Kind();
      const shared = sharedInts();
      await runAll(4, {
        target: targets.lockedIncrements,
        args: [lock, shared, 100_000],
      });
      assert.equal(shared[0], 400_000);
      assert.equal(lock.acquire({ block: false }), true);
    });

    test(`${name}.acquire({ timeout }) returns false after the timeout while a worker holds it`, async () => {
      const lock = new Kind();
      const shared = sharedInts();
      const p = new Process({
        target: targets.holdUntilTold,
        args: [lock, shared],
        module,
      });
      p.start();
      await waitUntil(() => Atomics.load(shared, 1) === 1);
      let started = performance.now();
      assert.equal(lock.acquire({ timeout: 50 }), false);
      let elapsed = performance.now() - started;
      assert.ok(elapsed >= 45 && elapsed < 5_000, `waited ${elapsed} ms`);
      started = performance.now();
      assert.equal(await lock.acquireAsync({ timeout: 50 }), false);
      elapsed = performance.now() - started;
      assert.ok(elapsed >= 45 && elapsed < 5_000, `waited ${elapsed} ms`);
      assert.equal(lock.acquire({ timeout: 0 }), false);
      await assert.rejects(lock.holdAsync({ timeout: 10 }), {
        name: "TimeoutError",
        message: `Cannot hold ${name}: not acquired within 10 ms`,
      });
      Atomics.store(shared, 0, 1);
      Atomics.notify(shared, 0);
      assert.equal(await lock.acquireAsync({ timeout: 10_000 }), true);
      lock.release();
      await p.join();
    });

    test(`${name}.acquireAsync() waits without blocking the event loop`, async () => {
      const lock = new Kind();
      const shared = sharedInts();
      const p = new Process({
        target: targets.holdUntilTold,
        args: [lock, shared],
        module,
      });
      p.start();
      await waitUntil(() => Atomics.load(shared, 1) === 1);
      let taken = false;
      const taking = lock.acquireAsync().then((got) => (taken = got));
      // Three timer ticks run while the worker holds the lock.
      await new Promise<void>((resolve) => {
        let ticks = 0;
        const timer = setInterval(() => {
          if (++ticks < 3) return;
          clearInterval(timer);
          resolve();
        }, 10);
      });
      assert.equal(taken, false);
      Atomics.store(shared, 0, 1);
      Atomics.notify(shared, 0);
      assert.equal(await within(taking, 10_000, "the async take"), true);
      lock.release();
      await p.join();
    });

    test(`${name}: an async waiter on the main thread and sync waiters in workers share the lock`, async () => {
      const lock = new Kind();
      const shared = sharedInts();
      const ps = [0, 1].map(() =>
        new Process({
          target: targets.lockedIncrements,
          args: [lock, shared, 50_000],
          module,
        })
      );
      for (const p of ps) p.start();
      for (let i = 0; i < 2_000; i++) {
        await using _ = await lock.holdAsync();
        shared[0]++;
      }
      await Promise.all(ps.map((p) => p.join()));
      assert.equal(shared[0], 102_000);
    });

    test(`${name}.hold() releases at the end of a using block`, async () => {
      const lock = new Kind();
      const shared = sharedInts();
      {
        using _ = lock.hold();
        await runAll(1, {
          target: targets.tryAcquire,
          args: [lock, shared],
        });
      }
      assert.equal(shared[0], 2);
      await runAll(1, { target: targets.tryAcquire, args: [lock, shared] });
      assert.equal(shared[0], 3);
    });
  });

  describe(`${name} bad input`, () => {
    test(`${name}.release() of an unlocked lock throws RangeError`, () => {
      assert.throws(() => new Kind().release(), {
        name: "RangeError",
        message: `Cannot release ${name}: it is not locked`,
      });
    });

    test(`${name}.acquire() rejects bad options and leaves the lock free`, async () => {
      const lock = new Kind();
      const what = `Cannot acquire ${name}`;
      assert.throws(() => lock.acquire({ timeout: "5" as never }), {
        name: "TypeError",
        message:
          `${what}: timeout must be a number of milliseconds, received "5"`,
      });
      assert.throws(() => lock.acquire({ block: 0 as never }), {
        name: "TypeError",
        message: `${what}: "block" must be a boolean, received 0`,
      });
      assert.throws(() => lock.acquire({ tiemout: 5 } as never), {
        name: "TypeError",
        message:
          `${what}: unknown option "tiemout" (known: block, timeout), received 5`,
      });
      assert.throws(() => lock.acquire(5 as never), {
        name: "TypeError",
        message: `${what}: options must be an object, received 5`,
      });
      await assert.rejects(lock.acquireAsync({ timeout: NaN }), {
        name: "TypeError",
        message:
          `${what}: timeout must be a number of milliseconds, received NaN`,
      });
      assert.equal(lock.acquire({ block: false }), true);
      lock.release();
    });
  });
}

for (const Kind of [Lock, RLock]) {
  test(`${Kind.name}.locked() says whether any thread holds it (Python 3.14)`, async () => {
    const lock = new Kind();
    assert.equal(lock.locked(), false);
    lock.acquire();
    assert.equal(lock.locked(), true);
    if (Kind === RLock) {
      lock.acquire();
      lock.release();
      assert.equal(lock.locked(), true);
    }
    const seen = sharedInts();
    await runAll(1, { target: targets.reportLocked, args: [lock, seen] });
    assert.equal(seen[0], 1); // held by the main thread, seen from a worker
    lock.release();
    assert.equal(lock.locked(), false);
    await runAll(1, { target: targets.reportLocked, args: [lock, seen] });
    assert.equal(seen[0], 2);
  });
}

describe("RLock ownership", () => {
  test("RLock.acquire() nests and needs as many releases", () => {
    const lock = new RLock();
    lock.acquire();
    lock.acquire();
    lock.release();
    lock.release();
    assert.throws(() => lock.release(), {
      name: "RangeError",
      message: "Cannot release RLock: it is not locked",
    });
  });

  test("RLock stress: 4 workers × 50,000 nested takes and releases lose nothing", async () => {
    const lock = new RLock();
    const shared = sharedInts();
    await runAll(4, {
      target: targets.nestedIncrements,
      args: [lock, shared, 50_000],
    });
    assert.equal(shared[0], 400_000);
    assert.equal(lock.locked(), false);
    assert.equal(lock.acquire({ block: false }), true);
    lock.release();
    assert.throws(() => lock.release(), RangeError);
  });

  test("RLock stress: nested and timed takes in 3 workers and timed async takes on the main thread count exactly", async () => {
    const lock = new RLock();
    const shared = sharedInts(2); // increments, timed-out tries
    const workers = runAll(3, {
      target: targets.nestedIncrements,
      args: [lock, shared, 30_000],
    });
    let taken = 0;
    while (taken < 1_000) {
      if (!await lock.acquireAsync({ timeout: 0.05 })) continue;
      shared[0]++;
      lock.release();
      taken++;
    }
    await within(workers, 60_000, "the RLock stress");
    assert.equal(shared[0], 181_000);
    assert.equal(lock.locked(), false);
  });

  test("RLock.release() from another worker throws RangeError", async () => {
    const lock = new RLock();
    lock.acquire();
    const shared = sharedInts();
    await runAll(1, { target: targets.releaseForeign, args: [lock, shared] });
    assert.equal(shared[0], 1);
    lock.release();
  });

  test("Lock.release() from another worker frees the lock, as in Python", async () => {
    const lock = new Lock();
    lock.acquire();
    const shared = sharedInts();
    await runAll(1, { target: targets.releaseForeign, args: [lock, shared] });
    assert.equal(shared[0], 0);
    assert.equal(lock.acquire({ block: false }), true);
  });
});

describe("Lock as a script", () => {
  test("a timed acquireAsync() on the main thread keeps the script alive until it times out", async () => {
    const { code, stdout } = await runFixture("async_lock_timeout");
    assert.equal(code, 0);
    assert.equal(stdout, "acquired false after true\n");
  });
});
