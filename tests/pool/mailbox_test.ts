import assert from "node:assert/strict";
import process from "node:process";
import { describe, test } from "node:test";
import { Pool, Value } from "../../mod.ts";
import { fixture, sharedInts, waitUntil, within } from "../_helpers.ts";

const module = fixture("mailbox_tasks");
const tasks = await import(
  module.href
) as typeof import("../fixtures/mailbox_tasks.ts");

/** Times the stress test runs (MAILBOX_REPEAT=20 for the stress runs). */
const REPEAT = Number(process.env.MAILBOX_REPEAT ?? 1);

describe("Pool mailbox (one awaited task at a time)", () => {
  test("values of every kind come back exactly, by mailbox or by message", async () => {
    await using pool = new Pool(1, { module });
    const holey = [1, , 3]; // a hole must stay a hole
    const values: unknown[] = [
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      2 ** 31,
      -(2 ** 31),
      1.5,
      Number.MAX_VALUE,
      "",
      "plain",
      "é€😀\u0000\ud800",
      "x".repeat(100_000), // too large for the mailbox
      true,
      false,
      null,
      undefined,
      [],
      [1, "two", [3, [4, { five: 5 }]], null, undefined],
      { a: 1, b: { c: [true, false] }, d: undefined, "": "empty key" },
      Object.assign(Object.create(null), { proto: null }),
      JSON.parse('{"__proto__": 1}'),
      holey,
      new Map([[1, 2]]),
      new Date(0),
      new Uint8Array([1, 2, 3]),
      10n ** 30n,
      [[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]],
    ];
    for (const value of values) {
      const back = await pool.apply(tasks.echo, [value]);
      assert.deepStrictEqual(back, structuredClone(value));
      if (typeof value === "number") assert.ok(Object.is(back, value));
    }
    assert.equal(
      1 in (await pool.apply(tasks.echo, [holey]) as unknown[]),
      false,
    );
    const shared = new Value("i", 7);
    const back = await pool.apply(tasks.echo, [shared]) as typeof shared;
    back.value = 8;
    assert.equal(shared.value, 8);
  });

  test("results too large for the mailbox, or not cloneable, come by message", async () => {
    await using pool = new Pool(1, { module });
    for (const count of [10, 100_000, 10, 100_000]) {
      assert.equal(
        await pool.apply(tasks.repeat, ["ab", count]),
        "ab".repeat(count),
      );
    }
    await assert.rejects(pool.apply(tasks.makeFunction, []), {
      name: "MaybeEncodingError",
    });
    assert.equal(await pool.apply(tasks.next, [1]), 2);
  });

  test("the process stays alive while a mailbox task's result comes by message (30 pools)", async () => {
    // The parent awaits the mailbox with Atomics.waitAsync, which does not
    // keep a process alive: an idle-worker unref in between ended Node 22.
    for (let round = 0; round < 30; round++) {
      await using pool = new Pool(1, { module });
      assert.equal(await pool.apply(tasks.repeat, ["ab", 1]), "ab");
      const long = await pool.apply(tasks.repeat, ["ab", 100_000]);
      assert.equal(long.length, 200_000);
      await assert.rejects(pool.apply(tasks.makeFunction, []), {
        name: "MaybeEncodingError",
      });
    }
  });

  test("a task's error comes back with its class, message and properties", async () => {
    await using pool = new Pool(1, { module });
    assert.equal(await pool.apply(tasks.next, [1]), 2);
    for (let i = 1; i <= 3; i++) {
      await assert.rejects(pool.apply(tasks.next, [-i]), (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.equal((error as RangeError).message, `no next for ${-i}`);
        assert.equal((error as RangeError & { x: number }).x, -i);
        return true;
      });
      assert.equal(await pool.apply(tasks.next, [i]), i + 1);
    }
  });

  test("a worker's timers fire while it waits for the next task", async () => {
    await using pool = new Pool(1, { module });
    const cells = sharedInts(1);
    assert.equal(await pool.apply(tasks.next, [0]), 1);
    for (let i = 0; i < 20; i++) {
      await pool.apply(tasks.tickLater, [cells, 1]);
      assert.equal(await pool.apply(tasks.next, [i]), i + 1);
    }
    await within(
      waitUntil(() => Atomics.load(cells, 0) === 20),
      5000,
      "timers",
    );
  });

  test("maxtasksperchild counts tasks sent through the mailbox", async () => {
    await using pool = new Pool(1, { module, maxtasksperchild: 3 });
    const pids = new Set<number>();
    for (let i = 0; i < 12; i++) {
      pids.add(await pool.apply(tasks.pid, []));
      assert.equal(await pool.apply(tasks.next, [i]), i + 1);
    }
    assert.equal(pids.size, 8);
  });

  for (let run = 1; run <= REPEAT; run++) {
    test(`20,000 awaited round trips with async tasks, errors, timers, messages and aborts give exact results (run ${run})`, async () => {
      await using pool = new Pool(2, { module });
      const cells = sharedInts(1);
      let ok = 0, failed = 0, aborted = 0, ticks = 0, posted = 0, pairs = 0;
      for (let i = 0; i < 20_000; i++) {
        if (i % 1000 === 999) {
          // A timer a task left behind fires within a slice of the
          // worker's waiting (before its worker may be the one replaced).
          await within(
            waitUntil(() => Atomics.load(cells, 0) === ticks),
            5000,
            `worker timers before abort ${i}`,
          );
          // Abort a task while it runs (it runs 300 ms; a loaded machine
          // may fire the 5 ms timer late): its worker is replaced.
          const controller = new AbortController();
          const running = pool.apply(tasks.busy, [i, 300], {
            signal: controller.signal,
          });
          setTimeout(() => controller.abort(new Error(`stop ${i}`)), 5);
          await assert.rejects(running, { message: `stop ${i}` });
          aborted++;
        } else if (i % 97 === 0) {
          assert.equal(await pool.apply(tasks.nextLater, [i]), i + 1);
          ok++;
        } else if (i % 101 === 0) {
          await assert.rejects(pool.apply(tasks.next, [-i]), RangeError);
          failed++;
        } else if (i % 211 === 0) {
          assert.equal(await pool.apply(tasks.tickLater, [cells, 1]), 1);
          ticks++;
        } else if (i % 307 === 0) {
          // Several tasks at once go by message, kicking parked workers.
          assert.deepEqual(await pool.map(tasks.next, [i, i + 1, i + 2]), [
            i + 1,
            i + 2,
            i + 3,
          ]);
          posted++;
        } else if (i % 53 === 0) {
          // One task for each worker at once: both mailboxes in use.
          assert.deepEqual(
            await Promise.all([
              pool.apply(tasks.next, [i]),
              pool.apply(tasks.next, [-i]).catch((error) => error.message),
            ]),
            [i + 1, `no next for ${-i}`],
          );
          pairs++;
        } else {
          assert.equal(await pool.applyAsync(tasks.next, [i]).get(), i + 1);
          ok++;
        }
      }
      await within(
        waitUntil(() => Atomics.load(cells, 0) === ticks),
        5000,
        `worker timers: ${Atomics.load(cells, 0)} of ${ticks}`,
      );
      assert.equal(Atomics.load(cells, 0), ticks);
      assert.deepEqual(
        [ok + failed + aborted + ticks + posted + pairs, aborted],
        [20_000, 20],
      );
      assert.deepEqual([posted, pairs], [65, 368]);
    });
  }
});
