import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pool } from "../../mod.ts";
import { runtime, type WorkerHandle } from "../../lib/_runtime/mod.ts";
import { fixture, sharedInts, within } from "../_helpers.ts";

const module = fixture("pool_tasks");
const tasks = await import(
  module.href
) as typeof import("../fixtures/pool_tasks.ts");

/** What happened to one worker, as its parent saw it. */
interface Seen {
  /** Task messages posted to it. */
  taskMessages: number;
  /** Whether it was told to exit once done. */
  toldToExit: boolean;
  /** Whether it was terminated. */
  terminated: boolean;
}

/**
 * Runs `body` while recording every worker the runtime starts: the messages
 * posted to it and whether it was terminated.
 */
async function watchWorkers(
  body: () => Promise<void>,
  terminateDelayMs = 0,
): Promise<Seen[]> {
  const seen: Seen[] = [];
  const spawn = runtime.spawn;
  (runtime as { spawn: typeof spawn }).spawn = (url, events) => {
    const handle = spawn(url, events);
    const record = { taskMessages: 0, toldToExit: false, terminated: false };
    seen.push(record);
    const watched: WorkerHandle = {
      get gone() {
        return handle.gone;
      },
      postMessage(message) {
        const type = (message as { type?: string }).type;
        if (type === "pool-tasks") record.taskMessages++;
        if (type === "pool-exit") record.toldToExit = true;
        handle.postMessage(message);
      },
      async terminate(graceMs) {
        record.terminated = true;
        const stopped = await handle.terminate(graceMs);
        // A thread slow to report its end.
        await new Promise((resolve) => setTimeout(resolve, terminateDelayMs));
        return stopped;
      },
      unref: () => handle.unref(),
      ref: () => handle.ref(),
    };
    return watched;
  };
  try {
    await body();
  } finally {
    (runtime as { spawn: typeof spawn }).spawn = spawn;
  }
  return seen;
}

const range = (n: number) => globalThis.Array.from({ length: n }, (_, i) => i);

describe("Pool.close()", () => {
  test("close() terminates a worker that was never given a task when there is no initializer", async () => {
    const seen = await watchWorkers(async () => {
      const pool = new Pool(2, { module });
      assert.equal(await pool.apply(tasks.scale, [4]), 40);
      pool.close();
      await within(pool.join(), 10_000, "join");
    });
    const outcome = (s: Seen) =>
      `${s.taskMessages} task message(s), ${
        s.toldToExit ? "told to exit" : "terminated"
      }`;
    assert.deepEqual(seen.map((s) => s.toldToExit !== s.terminated), [
      true,
      true,
    ]);
    assert.deepEqual(seen.map(outcome).sort(), [
      "0 task message(s), terminated",
      "1 task message(s), told to exit",
    ]);
  });

  test("join() does not wait for the thread of a worker close() terminated for having run nothing", async () => {
    const seen = await watchWorkers(async () => {
      const pool = new Pool(2, { module });
      assert.equal(await pool.apply(tasks.scale, [5]), 50);
      pool.close();
      const started = Date.now();
      await within(pool.join(), 10_000, "join");
      assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    }, 5000);
    assert.deepEqual(seen.map((s) => s.terminated).sort(), [false, true]);
  });

  test("close() lets every worker finish when there is an initializer, which runs in each", async () => {
    const cells = sharedInts(1);
    const seen = await watchWorkers(async () => {
      const pool = new Pool(3, {
        module,
        initializer: tasks.remember,
        initargs: ["init", cells],
      });
      assert.equal(await pool.apply(tasks.scale, [4]), 40);
      pool.close();
      await within(pool.join(), 10_000, "join");
    });
    assert.deepEqual(
      seen.map((s) => [s.toldToExit, s.terminated]),
      [[true, false], [true, false], [true, false]],
    );
    assert.equal(Atomics.load(cells, 0), 3);
  });

  test("close() right after submitting: every task submitted completes and join() resolves", async () => {
    const seen = await watchWorkers(async () => {
      const pool = new Pool(4, { module });
      const one = pool.apply(tasks.scale, [7]);
      const slow = pool.apply(tasks.sleepy, [5, 50]);
      pool.close();
      await within(pool.join(), 10_000, "join");
      assert.equal(await one, 70);
      assert.equal(await slow, 5);
    });
    assert.equal(seen.length, 4);
    for (const s of seen) {
      assert.equal(s.terminated, s.taskMessages === 0);
      assert.equal(s.toldToExit, s.taskMessages > 0);
    }
  });

  test("many pools closed with tasks in flight return exact results and all join", async () => {
    for (let round = 0; round < 5; round++) {
      const pools = range(6).map((i) => new Pool(1 + (i % 3), { module }));
      const results = pools.map((pool, i) =>
        i % 2 === 0
          ? pool.map(tasks.scale, range(i + 1), { chunksize: 1 })
          : pool.starmap(tasks.sleepy, range(i).map((x) => [x, 5]))
      );
      for (const pool of pools) pool.close();
      await within(
        Promise.all(pools.map((pool) => pool.join())),
        20_000,
        `round ${round}: join`,
      );
      assert.deepEqual(
        await Promise.all(results),
        pools.map((_, i) =>
          i % 2 === 0 ? range(i + 1).map((x) => x * 10) : range(i)
        ),
      );
    }
  });
});
