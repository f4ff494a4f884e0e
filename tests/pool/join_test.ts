import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pool } from "../../mod.ts";
import { fixture, sharedInts, within } from "../_helpers.ts";

const module = fixture("pool_tasks");
const tasks = await import(
  module.href
) as typeof import("../fixtures/pool_tasks.ts");

describe("Pool.join()", () => {
  test("Pool.join() resolves after map, mapAsync, starmap and imap of nothing", async () => {
    const pool = new Pool(2);
    const square = (x: number) => x * x;
    assert.deepEqual(await pool.map(square, []), []);
    assert.deepEqual(await pool.mapAsync(square, []).get(), []);
    assert.deepEqual(await pool.starmap(square, []), []);
    assert.deepEqual(await pool.starmapAsync(square, [], { chunksize: 3 }), []);
    for await (const _ of pool.imap(square, [])) assert.fail("no items");
    for await (const _ of pool.imapUnordered(square, [])) assert.fail("none");
    pool.close();
    await within(pool.join(), 5000, "join");
  });

  test("Pool.join() waits for every submitted task instead of stopping it", async () => {
    const pool = new Pool(2, { module });
    const cells = sharedInts(4);
    const slow = pool.apply(tasks.markLater, [cells, 0, 400]);
    const more = pool.starmapAsync(tasks.markLater, [[cells, 1, 300], [
      cells,
      2,
      100,
    ]], { chunksize: 1 });
    pool.close();
    await within(pool.join(), 10_000, "join");
    assert.deepEqual([...cells], [1, 1, 1, 0]);
    assert.equal(await slow, 0);
    assert.deepEqual(await more, [1, 2]);
  });

  test("Pool.join() after a failed map waits for the map's other tasks", async () => {
    const pool = new Pool(2, { module });
    const cells = sharedInts(2);
    const failed = pool.starmap(tasks.markOrFail, [[cells, 0, -10], [
      cells,
      1,
      600,
    ]], { chunksize: 1 });
    await assert.rejects(failed, {
      name: "RangeError",
      message: "task 0 failed",
    });
    pool.close();
    await within(pool.join(), 10_000, "join");
    assert.equal(Atomics.load(cells, 1), 1);
  });

  test("Pool.join() lets a running async initializer finish", async () => {
    const cells = sharedInts(2);
    const pool = new Pool(2, {
      module,
      initializer: tasks.markLater,
      initargs: [cells, 0, 300],
    });
    pool.close();
    await within(pool.join(), 10_000, "join");
    assert.equal(Atomics.load(cells, 0), 2);
  });
});

describe("Pool map errors", () => {
  test("a map whose task throws rejects with the first error once all its tasks finished", async () => {
    await using pool = new Pool(2, { module });
    const cells = sharedInts(4);
    const started = Date.now();
    await assert.rejects(
      pool.starmap(tasks.markOrFail, [
        [cells, 0, 500],
        [cells, 1, -50],
      ], { chunksize: 1 }),
      (error) => {
        assert.ok(error instanceof RangeError);
        assert.equal(error.message, "task 1 failed");
        assert.equal(Atomics.load(cells, 0), 1, "the slow task finished");
        assert.ok(Date.now() - started >= 450);
        return true;
      },
    );
    // One worker runs the tasks in order: "odd 1" fails first.
    await using one = new Pool(1);
    const errors: unknown[] = [];
    const result = one.mapAsync(
      (x: number) => {
        if (x % 2 === 1) throw new Error(`odd ${x}`);
        return x;
      },
      [0, 1, 2, 3],
      { chunksize: 1, errorCallback: (e) => errors.push(e) },
    );
    await assert.rejects(result.get(), { message: "odd 1" });
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).message, "odd 1");
  });
});
