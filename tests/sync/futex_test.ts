// Unit tests of the one Atomics primitive every synchronization object uses.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  block,
  blockAsync,
  holder,
  LOCKED,
  lockSteps,
  notify,
  tryLock,
  tryLockAs,
  unlock,
  unlockAs,
  UNLOCKED,
  WAITED,
  waitWhile,
  waitWhileAsync,
} from "../../lib/sync/_futex.ts";

const cells = () => new Int32Array(new SharedArrayBuffer(8));

describe("futex", () => {
  test("waitWhile() returns true at once when the value differs, false at its deadline", () => {
    const c = cells();
    assert.equal(waitWhile(c, 0, 1, Infinity), true);
    const started = performance.now();
    assert.equal(waitWhile(c, 0, 0, performance.now() + 20), false);
    assert.ok(performance.now() - started >= 15);
  });

  test("waitWhileAsync() wakes on a change and notify, and keeps the process alive meanwhile", async () => {
    const c = cells();
    const waiting = waitWhileAsync(c, 0, 0, Infinity);
    setTimeout(() => {
      Atomics.store(c, 0, 1);
      notify(c, 0);
    }, 20);
    assert.equal(await waiting, true);
    assert.equal(
      await waitWhileAsync(c, 0, 1, performance.now() + 10),
      false,
    );
  });

  test("the mutex word goes UNLOCKED → LOCKED → UNLOCKED, and tryLock fails while held", () => {
    const c = cells();
    assert.equal(tryLock(c, 0), true);
    assert.equal(c[0], LOCKED);
    assert.equal(tryLock(c, 0), false);
    assert.equal(unlock(c, 0), true);
    assert.equal(c[0], UNLOCKED);
    assert.equal(unlock(c, 0), false);
  });

  test("lockSteps() times out on a held mutex and leaves WAITED set; unlock frees it", () => {
    const c = cells();
    assert.equal(block(lockSteps(c, 0, Infinity)), true);
    assert.equal(block(lockSteps(c, 0, performance.now() + 10)), false);
    assert.equal(c[0], LOCKED | WAITED);
    assert.equal(unlock(c, 0), true);
    assert.equal(block(lockSteps(c, 0, Infinity)), true);
  });

  test("blockAsync(lockSteps()) takes the mutex once its holder unlocks", async () => {
    const c = cells();
    tryLock(c, 0);
    const taking = blockAsync(lockSteps(c, 0, Infinity));
    setTimeout(() => unlock(c, 0), 20);
    assert.equal(await taking, true);
    assert.notEqual(c[0], UNLOCKED);
  });

  test("a tagged mutex word names its holder, with or without WAITED", () => {
    const c = cells();
    assert.equal(holder(c, 0), UNLOCKED);
    assert.equal(tryLockAs(c, 0, 6), true);
    assert.equal(holder(c, 0), 6);
    assert.equal(tryLockAs(c, 0, 8), false);
    assert.equal(block(lockSteps(c, 0, performance.now() + 5, 8)), false);
    assert.equal(c[0], 6 | WAITED);
    assert.equal(holder(c, 0), 6);
    assert.equal(unlock(c, 0), true);
    assert.equal(block(lockSteps(c, 0, Infinity, 8)), true);
    assert.equal(holder(c, 0), 8);
  });

  test("unlockAs() frees the mutex only for its holder's tag, and wakes a waiter once WAITED is set", async () => {
    const c = cells();
    assert.equal(unlockAs(c, 0, 6), false);
    assert.equal(tryLockAs(c, 0, 6), true);
    assert.equal(unlockAs(c, 0, 8), false);
    assert.equal(c[0], 6);
    assert.equal(unlockAs(c, 0, 6), true);
    assert.equal(c[0], UNLOCKED);
    tryLockAs(c, 0, 6);
    const taking = blockAsync(lockSteps(c, 0, performance.now() + 5_000, 8));
    assert.equal(c[0], 6 | WAITED); // the waiter sleeps
    assert.equal(unlockAs(c, 0, 8), false);
    assert.equal(c[0], 6 | WAITED);
    assert.equal(unlockAs(c, 0, 6), true);
    assert.equal(await taking, true);
    assert.equal(holder(c, 0), 8);
  });
});
