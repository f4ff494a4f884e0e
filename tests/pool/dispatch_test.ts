import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pool } from "../../mod.ts";
import { fixture, sharedInts, waitUntil, within } from "../_helpers.ts";

const module = fixture("pool_tasks");
const tasks = await import(
  module.href
) as typeof import("../fixtures/pool_tasks.ts");

function range(n: number): number[] {
  return globalThis.Array.from({ length: n }, (_, i) => i);
}

const square = (x: number) => x * x;

describe("Pool dispatch", () => {
  test("a task submitted while one worker is busy runs at once on the idle one", async () => {
    await using pool = new Pool(2, { module });
    await pool.map(square, range(4), { chunksize: 1 });
    const cells = sharedInts();
    const busy = pool.apply(tasks.spin, [cells]);
    await waitUntil(() => Atomics.load(cells, 1) === 1);
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      assert.equal(
        await within(pool.apply(square, [i]), 2000, "the pool"),
        i * i,
      );
      assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
    }
    Atomics.store(cells, 0, 1);
    assert.equal(await busy, "released");
  });

  test("tasks queued behind a task that does not end are taken back by an idle worker", async () => {
    await using pool = new Pool(2, { module });
    await pool.map(square, range(4), { chunksize: 1 });
    for (let round = 0; round < 3; round++) {
      const cells = sharedInts();
      // Submitted together: the dispatcher shares them out before either runs.
      const busy = pool.apply(tasks.spin, [cells]);
      const map = pool.map(square, range(50), { chunksize: 1 });
      assert.deepEqual(
        await within(map, 5000, "the pool"),
        range(50).map(square),
      );
      assert.equal(Atomics.load(cells, 0), 0, "the spinning task still runs");
      Atomics.store(cells, 0, 1);
      assert.equal(await busy, "released");
    }
  });

  test("an unrelated map finishes beside a task that never settles", async () => {
    await using pool = new Pool(2, { module });
    const forever = pool.applyAsync(
      () => new Promise<never>(() => {}),
    );
    const sleepy = range(50).map((x) => [x, 2] as [number, number]);
    assert.deepEqual(
      await within(
        pool.starmap(tasks.sleepy, sleepy, { chunksize: 1 }),
        10_000,
        "the pool",
      ),
      range(50),
    );
    assert.equal(forever.ready(), false);
  });
});
