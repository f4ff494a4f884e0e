import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AsyncResultProxy,
  Manager,
  PoolProxy,
  Process,
  ProcessError,
  SharedMemory,
  SyncManager,
  TimeoutError,
} from "../../mod.ts";
import { fixture, waitUntil } from "../_helpers.ts";

const tasksUrl = fixture("manager_pool_tasks");
const otherUrl = fixture("manager_pool_other");
const tasks = await import(
  tasksUrl.href
) as typeof import("../fixtures/manager_pool_tasks.ts");
const other = await import(
  otherUrl.href
) as typeof import("../fixtures/manager_pool_other.ts");

function refusal(what: string, which: string): string {
  return `Cannot ${what}: ${which} of the pool's modules (${tasksUrl.href}); a manager's Pool runs only exports of the modules its owner allowed (poolModules), never source text from a client`;
}

async function started(): Promise<SyncManager> {
  const manager = new SyncManager({ poolModules: [tasksUrl] });
  await manager.start();
  return manager;
}

describe("SyncManager.Pool", () => {
  test("SyncManager.Pool() runs map, starmap and apply of an allowed module's exports", async () => {
    await using manager = await started();
    await using pool = await manager.Pool(2);
    assert.ok(pool instanceof PoolProxy);
    assert.equal(pool.typeid, "Pool");
    assert.deepEqual(await pool.map(tasks.square, [1, 2, 3, 4, 5]), [
      1,
      4,
      9,
      16,
      25,
    ]);
    assert.deepEqual(
      await pool.map(tasks.square, [6, 7, 8], { chunksize: 1 }),
      [36, 49, 64],
    );
    assert.deepEqual(await pool.starmap(tasks.add, [[1, 2], [3, 4]]), [3, 7]);
    assert.equal(await pool.apply(tasks.add, [20, 22]), 42);
    // By export name, for clients whose runtime prints the source otherwise.
    assert.deepEqual(await pool.map("square", [9]), [81]);
    assert.deepEqual(await pool.map(tasks.square, []), []);
  });

  test("SyncManager.Pool() takes Python's options: processes, initializer and initargs run in each worker", async () => {
    await using manager = await started();
    await using pool = await manager.Pool({
      processes: 1,
      initializer: tasks.setPrefix,
      initargs: ["#"],
      maxtasksperchild: 5,
    });
    assert.deepEqual(await pool.map(tasks.prefixed, [1, "b"]), ["#1", "#b"]);
  });

  test("PoolProxy.applyAsync() resolves an AsyncResult proxy (methodToTypeid) with get, wait, ready, successful", async () => {
    await using manager = await started();
    await using pool = await manager.Pool(2);
    const result = await pool.applyAsync(tasks.add, [2, 3]);
    assert.ok(result instanceof AsyncResultProxy);
    assert.equal(result.typeid, "AsyncResult");
    assert.equal(await result.get(), 5);
    assert.equal(await result.ready(), true);
    assert.equal(await result.successful(), true);

    const slow = await pool.applyAsync(tasks.slowly, [1, 3_000]);
    assert.equal(await slow.wait(10), false);
    assert.equal(await slow.ready(), false);
    await assert.rejects(slow.successful(), {
      name: "ProcessError",
      message:
        "Cannot tell whether the task was successful: the result is not ready",
    });
    await assert.rejects(slow.get(10), TimeoutError);

    const failed = await pool.applyAsync(tasks.fail, ["boom"]);
    await assert.rejects(failed.get(), { name: "RangeError", message: "boom" });
    assert.equal(await failed.successful(), false);
  });

  test("PoolProxy.mapAsync() and starmapAsync() resolve AsyncResult proxies; callbacks run in the caller", async () => {
    await using manager = await started();
    await using pool = await manager.Pool(2);
    let called: unknown = null;
    const squares = await pool.mapAsync(tasks.square, [1, 2, 3], {
      chunksize: 2,
      callback: (value) => called = value,
    });
    assert.deepEqual(await squares.get(), [1, 4, 9]);
    await waitUntil(() => called !== null);
    assert.deepEqual(called, [1, 4, 9]);
    const sums = await pool.starmapAsync(tasks.add, [[1, 1], [2, 2]]);
    assert.deepEqual(await sums.get(), [2, 4]);
    let error: unknown = null;
    await pool.mapAsync(tasks.fail, ["bad"], {
      errorCallback: (e) => error = e,
    });
    await waitUntil(() => error !== null);
    assert.ok(error instanceof RangeError);
    assert.equal((error as Error).message, "bad");
  });

  test("PoolProxy.imap() and imapUnordered() iterate an Iterator proxy", async () => {
    await using manager = await started();
    await using pool = await manager.Pool(2);
    const ordered: number[] = [];
    for await (const x of pool.imap(tasks.square, [1, 2, 3, 4])) {
      ordered.push(x);
    }
    assert.deepEqual(ordered, [1, 4, 9, 16]);
    const unordered: number[] = [];
    for await (
      const x of pool.imapUnordered(tasks.square, [5, 6, 7], { chunksize: 2 })
    ) unordered.push(x);
    assert.deepEqual(unordered.sort((a, b) => a - b), [25, 36, 49]);
    // Leaving early ends the iteration on the server.
    for await (const x of pool.imap(tasks.square, [8, 9, 10])) {
      assert.equal(x, 64);
      break;
    }
  });

  test("PoolProxy refuses a function of another module and source text, naming the module, and the server keeps serving", async () => {
    await using manager = await started();
    await using pool = await manager.Pool(1);
    await assert.rejects(pool.map(other.cube, [2]), (error: unknown) => {
      assert.ok(error instanceof ProcessError);
      assert.equal(
        (error as Error).message,
        refusal(
          "run map on the manager's Pool",
          'function "cube" is not an export',
        ),
      );
      return true;
    });
    // Same name, other source: not run in place of the allowed export.
    await assert.rejects(pool.apply(other.square, [2]), {
      name: "ProcessError",
      message: refusal(
        "run apply on the manager's Pool",
        'function "square" is not an export',
      ),
    });
    await assert.rejects(pool.apply((x: number) => x + 1, [1]), {
      name: "ProcessError",
      message: refusal(
        "run apply on the manager's Pool",
        'function "anonymous" is not an export',
      ),
    });
    await assert.rejects(pool.applyAsync("cube", [2]), {
      name: "ProcessError",
      message: refusal(
        "run applyAsync on the manager's Pool",
        'there is no function "cube" among the exports',
      ),
    });
    assert.deepEqual(await pool.map(tasks.square, [3]), [9]);
    const list = await manager.list([1]);
    assert.deepEqual(await list.toArray(), [1]);
  });

  test("SyncManager.Pool() refuses a module outside poolModules, an initializer from elsewhere, and a manager with no poolModules", async () => {
    await using manager = await started();
    await assert.rejects(manager.Pool(1, { module: otherUrl }), {
      name: "ProcessError",
      message:
        `Cannot create Pool on the manager: module "${otherUrl.href}" is not one of the manager's poolModules (${tasksUrl.href})`,
    });
    await assert.rejects(
      manager.Pool(1, { initializer: () => {} }),
      {
        name: "ProcessError",
        message: refusal(
          "create Pool on the manager",
          'function "initializer" is not an export',
        ),
      },
    );
    await using pool = await manager.Pool(1, { module: tasksUrl });
    assert.equal(await pool.apply(tasks.square, [4]), 16);

    await using plain = await Manager();
    await assert.rejects(plain.Pool(1), {
      name: "ProcessError",
      message:
        "Cannot create Pool on the manager: the manager allows no task modules; its owner lists them in the SyncManager's poolModules option",
    });
    assert.deepEqual(await (await plain.list([2])).toArray(), [2]);
  });

  test("new SyncManager({ poolModules }) checks the list", () => {
    assert.throws(() => new SyncManager({ poolModules: 5 as never }), {
      name: "TypeError",
      message:
        'Cannot create manager: "poolModules" must be a URL or an array of URLs, received 5',
    });
    assert.throws(() => new SyncManager({ poolModules: ["./tasks.ts"] }), {
      name: "TypeError",
      message:
        'Cannot create manager: "poolModules" must hold absolute URLs such as import.meta.url, received "./tasks.ts"',
    });
    assert.throws(() => new SyncManager({ nope: 1 } as never), {
      name: "TypeError",
      message: /^Cannot create manager: .*nope/,
    });
  });

  test("SyncManager.shutdown() terminates the pools its server owns", async () => {
    const shm = new SharedMemory({ create: true, size: 4 });
    const ticks = new Int32Array(shm.buf.buffer, shm.buf.byteOffset, 1);
    try {
      const manager = await started();
      const pool = await manager.Pool(1);
      await pool.applyAsync(tasks.tick, [shm.name]);
      await waitUntil(() => Atomics.load(ticks, 0) > 0);
      await manager.shutdown();
      const after = Atomics.load(ticks, 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(Atomics.load(ticks, 0), after);
      await assert.rejects(pool.map(tasks.square, [1]), ProcessError);
    } finally {
      shm.close();
      shm.unlink();
    }
  });

  for (const dropped of [false, true]) {
    test(
      `Server.shutdown() of getServer() terminates its pools before serveForever() resolves${
        dropped ? " (one whose proxy was dropped, still finishing a task)" : ""
      }`,
      async () => {
        const shm = new SharedMemory({ create: true, size: 4 });
        const ticks = new Int32Array(shm.buf.buffer, shm.buf.byteOffset, 1);
        const server = new SyncManager({ authkey: "k", poolModules: tasksUrl })
          .getServer();
        const address = await server.listen();
        const serving = server.serveForever();
        const client = new SyncManager({ address, authkey: "k" });
        try {
          await client.connect();
          const pool = await client.Pool(1);
          await pool.applyAsync(tasks.tick, [shm.name]);
          await waitUntil(() => Atomics.load(ticks, 0) > 0);
          // A dropped pool is closed: it finishes its tasks (this one never
          // ends), so only the server's shutdown can stop it.
          if (dropped) {
            pool.decref();
            await client.list(); // a round trip: the server had the decref
          }
          server.shutdown();
          await serving;
          const after = Atomics.load(ticks, 0);
          await new Promise((resolve) => setTimeout(resolve, 200));
          assert.equal(Atomics.load(ticks, 0), after);
        } finally {
          server.shutdown();
          await client.shutdown();
          shm.close();
          shm.unlink();
        }
      },
    );
  }

  test("A PoolProxy passed to a Process runs tasks from there", async () => {
    await using manager = await started();
    await using pool = await manager.Pool(1);
    const results = await manager.list<number>();
    const p = new Process({
      target: tasks.squaresVia,
      args: [pool, results],
      module: tasksUrl,
    });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.deepEqual(await results.toArray(), [4, 9]);
  });
});
