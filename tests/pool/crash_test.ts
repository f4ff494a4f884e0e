import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pool, WorkerExitError } from "../../mod.ts";
import { fixture } from "../_helpers.ts";

const module = fixture("pool_tasks");
const tasks = await import(
  module.href
) as typeof import("../fixtures/pool_tasks.ts");

function range(n: number): number[] {
  return globalThis.Array.from({ length: n }, (_, i) => i);
}

/** The indexes of the rejected outcomes; checks each is a WorkerExitError. */
function rejectedIndexes(settled: PromiseSettledResult<unknown>[]): number[] {
  return settled.flatMap((outcome, i) => {
    if (outcome.status === "fulfilled") return [];
    assert.ok(
      outcome.reason instanceof WorkerExitError,
      String(outcome.reason),
    );
    return [i];
  });
}

describe("Pool worker crash", () => {
  test("a worker that exits fails only the task it was running (20 rounds of 30 applies)", async () => {
    await using pool = new Pool(2, { module });
    for (let round = 0; round < 20; round++) {
      const crash = (round * 7) % 30;
      const settled = await Promise.allSettled(
        range(30).map((x) => pool.apply(tasks.exitAt, [x, crash, 7])),
      );
      assert.deepEqual(rejectedIndexes(settled), [crash], `round ${round}`);
      const reason = (settled[crash] as PromiseRejectedResult).reason;
      assert.equal(reason.exitCode, 7);
      assert.match(
        reason.message,
        /exited with code 7 before the task finished$/,
      );
      settled.forEach((outcome, x) => {
        if (x !== crash) {
          assert.deepEqual(outcome, { status: "fulfilled", value: x * 2 });
        }
      });
    }
  });

  test("10,000 tasks of which every 100th exits: exactly those 100 reject", async () => {
    await using pool = new Pool(2, { module });
    const settled = await Promise.allSettled(
      range(10_000).map((x) =>
        pool.applyAsync(tasks.exitEvery, [x, 100]).get()
      ),
    );
    const rejected = rejectedIndexes(settled);
    assert.deepEqual(rejected, range(100).map((i) => i * 100 + 99));
    settled.forEach((outcome, x) => {
      if (x % 100 !== 99) {
        assert.deepEqual(outcome, { status: "fulfilled", value: x * 2 });
      }
    });
  });

  test("Pool.imapUnordered() over 10,000 tasks loses only the crashing one", async () => {
    await using pool = new Pool(2, { module });
    const iterator = pool.imapUnordered(tasks.doubleOrExit, range(10_000));
    const values: number[] = [];
    const errors: unknown[] = [];
    while (true) {
      try {
        const step = await iterator.next();
        if (step.done) break;
        values.push(step.value);
      } catch (error) {
        errors.push(error);
      }
    }
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof WorkerExitError);
    assert.equal((errors[0] as WorkerExitError).exitCode, 9);
    assert.deepEqual(
      values.sort((a, b) => a - b),
      range(10_000).filter((x) => x !== 5000).map((x) => x * 2),
    );
  });

  test("a map with a crashing chunk rejects with WorkerExitError after its other chunks ran", async () => {
    await using pool = new Pool(2, { module });
    await assert.rejects(
      pool.starmap(tasks.exitAt, range(1000).map((x) => [x, 500])),
      { name: "WorkerExitError", exitCode: 3 },
    );
    const settled = await Promise.allSettled(
      range(1000).map((x) => pool.apply(tasks.exitAt, [x, -1])),
    );
    assert.deepEqual(rejectedIndexes(settled), []);
  });
});
