import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AsyncResult,
  cpuCount,
  MaybeEncodingError,
  Pool,
  ProcessError,
  TimeoutError,
  WorkerExitError,
} from "../../mod.ts";
import { fixture, runFixture, sharedInts, waitUntil } from "../_helpers.ts";

const module = fixture("pool_tasks");
const tasks = await import(
  module.href
) as typeof import("../fixtures/pool_tasks.ts");

function range(n: number, from = 0): number[] {
  return globalThis.Array.from({ length: n }, (_, i) => from + i);
}

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterator) out.push(value);
  return out;
}

const square = (x: number) => x * x;

describe("Pool", () => {
  test("Pool runs the seed program: map, applyAsync().get(), close, join", async () => {
    const pool = new Pool(5);
    const f = (x: number) => x ** 2;
    assert.deepEqual(
      await pool.map(f, range(10, 1)),
      [1, 4, 9, 16, 25, 36, 49, 64, 81, 100],
    );
    assert.equal(await pool.applyAsync(f, [12]).get(), 144);
    pool.close();
    await pool.join();
  });

  test("Pool runs the seed program as a script", async () => {
    const { code, stdout } = await runFixture("pool_seed");
    assert.equal(code, 0);
    assert.equal(stdout, "[1,4,9,16,25,36,49,64,81,100]\n100\njoined\n");
  });

  test("new Pool() starts cpuCount() workers that run at once", async () => {
    await using pool = new Pool({ module });
    const n = cpuCount();
    const meeting = sharedInts();
    const pids = await pool.starmap(
      tasks.rendezvous,
      range(n).map(() => [meeting, n] as [Int32Array, number]),
      { chunksize: 1 },
    );
    assert.equal(Atomics.load(meeting, 0), n);
    assert.equal(new Set(pids).size, n);
  });

  test("new Pool(options) takes processes from the options", async () => {
    await using pool = new Pool({ processes: 3, module });
    const meeting = sharedInts();
    const pids = await pool.starmap(
      tasks.rendezvous,
      range(3).map(() => [meeting, 3] as [Int32Array, number]),
      { chunksize: 1 },
    );
    assert.equal(new Set(pids).size, 3);
  });

  test("Pool.map() keeps input order for every chunksize", async () => {
    await using pool = new Pool(2);
    const xs = range(1000);
    const expected = xs.map(square);
    assert.deepEqual(await pool.map(square, xs), expected);
    for (const chunksize of [1, 3, 7, 1000, 5000]) {
      assert.deepEqual(await pool.map(square, xs, { chunksize }), expected);
    }
    assert.deepEqual(await pool.map(square, new Set([3, 4])), [9, 16]);
    assert.deepEqual(await pool.map(square, []), []);
  });

  test("Pool.map() keeps input order under random task durations", async () => {
    await using pool = new Pool(3, { module });
    const items = range(120).map((x) =>
      [x, (x * 7919) % 6] as [number, number]
    );
    for (const chunksize of [1, 4]) {
      assert.deepEqual(
        await pool.starmap(tasks.sleepy, items, { chunksize }),
        range(120),
      );
    }
  });

  test("Pool.map() sends module exports by reference", async () => {
    await using pool = new Pool(2, { module });
    assert.deepEqual(await pool.map(tasks.scale, [1, 2, 3]), [10, 20, 30]);
  });

  test("Pool.map() passes shared memory live to every task", async () => {
    await using pool = new Pool(2, { module });
    const shared = sharedInts();
    const args = range(2000).map(() => [shared, 1] as [Int32Array, number]);
    await pool.starmap(tasks.addShared, args, { chunksize: 1 });
    await pool.starmap(tasks.addShared, args);
    assert.equal(Atomics.load(shared, 0), 4000);
  });

  test("Pool.mapAsync() and starmapAsync() call back before get() resolves", async () => {
    await using pool = new Pool(2);
    const seen: unknown[] = [];
    const result = pool.mapAsync(square, [1, 2, 3], {
      callback: (values) => seen.push(values),
    });
    assert.ok(result instanceof AsyncResult);
    assert.deepEqual(await result.get(), [1, 4, 9]);
    assert.deepEqual(seen, [[1, 4, 9]]);
    const star = pool.starmapAsync((a: number, b: number) => a - b, [[5, 1], [
      9,
      3,
    ]], { chunksize: 1, callback: (values) => seen.push(values) });
    assert.deepEqual(await star, [4, 6]);
    assert.deepEqual(seen, [[1, 4, 9], [4, 6]]);
  });

  test("Pool.imap() yields in order and Pool.imapUnordered() yields every result", async () => {
    await using pool = new Pool(3, { module });
    const sleepy = (x: number) =>
      new Promise<number>((resolve) =>
        setTimeout(() => resolve(x), (x * 7) % 5)
      );
    assert.deepEqual(await collect(pool.imap(sleepy, range(60))), range(60));
    assert.deepEqual(
      await collect(pool.imap(sleepy, range(60), { chunksize: 7 })),
      range(60),
    );
    const unordered = await collect(pool.imapUnordered(sleepy, range(60)));
    assert.deepEqual(unordered.sort((a, b) => a - b), range(60));
  });

  test("Pool.imap() pulls an infinite async iterable lazily", async () => {
    await using pool = new Pool(2);
    let pulled = 0;
    async function* naturals(): AsyncGenerator<number> {
      for (let i = 0;; i++) {
        pulled++;
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const value of pool.imap(square, naturals(), { chunksize: 2 })) {
      seen.push(value);
      if (seen.length === 100) break;
      if (seen.length % 25 === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    assert.deepEqual(seen, range(100).map(square));
    const bound = 100 + 2 * 2 * 16 * 2; // consumed + in flight + unread
    assert.ok(pulled <= bound, `pulled ${pulled} items`);
    // A pull in progress at the break may still finish; then none follows.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = pulled;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(pulled, after);
  });

  test("Pool.imap() rejects a failed chunk at its place and goes on", async () => {
    await using pool = new Pool(2);
    const iterator = pool.imap((x: number) => {
      if (x === 2) throw new RangeError("two");
      return x;
    }, [0, 1, 2, 3]);
    assert.deepEqual(await iterator.next(), { value: 0, done: false });
    assert.deepEqual(await iterator.next(), { value: 1, done: false });
    await assert.rejects(iterator.next(), {
      name: "RangeError",
      message: "two",
    });
    assert.deepEqual(await iterator.next(), { value: 3, done: false });
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  });

  test("Pool.imap() rejects with the error of a failing input iterable", async () => {
    await using pool = new Pool(1);
    function* items(): Generator<number> {
      yield 1;
      throw new Error("input broke");
    }
    const iterator = pool.imap(square, items());
    assert.deepEqual(await iterator.next(), { value: 1, done: false });
    await assert.rejects(iterator.next(), { message: "input broke" });
  });

  test("Pool.apply() and applyAsync() run one call", async () => {
    await using pool = new Pool(1);
    assert.equal(await pool.apply((a: number, b: number) => a + b, [2, 3]), 5);
    assert.equal(await pool.apply(() => "no args"), "no args");
    assert.equal(
      await pool.applyAsync((x: number) => Promise.resolve(x + 1), [1]),
      2,
    );
  });

  test("AsyncResult get(), wait(), ready() and successful() follow Python", async () => {
    await using pool = new Pool(1, { module });
    const shared = sharedInts();
    const result = pool.applyAsync(tasks.spin, [shared]);
    assert.equal(result.ready(), false);
    assert.throws(() => result.successful(), {
      name: "ProcessError",
      message:
        "Cannot tell whether the task was successful: the result is not ready",
    });
    await assert.rejects(result.get(30), {
      name: "TimeoutError",
      message: "Timed out after 30 ms waiting for the result",
    });
    assert.equal(await result.wait(10), false);
    await assert.rejects(result.get(-1), {
      name: "TimeoutError",
      message: "Timed out after 0 ms waiting for the result",
    });
    Atomics.store(shared, 0, 1);
    assert.equal(await result.wait(), true);
    assert.equal(result.ready(), true);
    assert.equal(result.successful(), true);
    assert.equal(await result.get(0), "released");
    const failed = pool.applyAsync(tasks.fail, ["bad"]);
    assert.equal(await failed.wait(), true);
    assert.equal(failed.successful(), false);
    await assert.rejects(failed.get(), { name: "RangeError", message: "bad" });
    assert.ok(new TimeoutError("x") instanceof ProcessError);
  });

  test("Pool.applyAsync() calls errorCallback with the task's error", async () => {
    await using pool = new Pool(1, { module });
    const errors: unknown[] = [];
    const result = pool.applyAsync(tasks.fail, ["boom"], {
      errorCallback: (error) => errors.push(error),
    });
    await result.wait();
    await waitUntil(() => errors.length === 1);
    assert.ok(errors[0] instanceof RangeError);
    assert.equal((errors[0] as RangeError).message, "boom");
  });

  test("Pool.initializer runs once per worker and its state is visible to tasks", async () => {
    const calls = sharedInts();
    await using pool = new Pool(2, {
      module,
      initializer: tasks.remember,
      initargs: ["ready", calls],
    });
    const seen = await pool.starmap(tasks.recall, range(20).map(() => []), {
      chunksize: 1,
    });
    assert.deepEqual(new Set(seen.map(([state]) => state)), new Set(["ready"]));
    assert.equal(Atomics.load(calls, 0), 2);
  });

  test("Pool tasks reject with the initializer's error when it throws", async () => {
    await using pool = new Pool(1, { module, initializer: tasks.badInit });
    await assert.rejects(pool.apply(tasks.recall), {
      name: "TypeError",
      message: "initializer failed",
    });
  });

  test("Pool.maxtasksperchild replaces a worker after that many tasks", async () => {
    await using pool = new Pool(1, { module, maxtasksperchild: 2 });
    const pids = await pool.map(tasks.pid, range(6), { chunksize: 1 });
    assert.equal(pids[0], pids[1]);
    assert.equal(pids[2], pids[3]);
    assert.equal(pids[4], pids[5]);
    assert.equal(new Set(pids).size, 3);
    const more = await pool.map(tasks.pid, range(4), { chunksize: 1 });
    assert.equal(new Set([...pids, ...more]).size, 5);
  });
});

describe("Pool errors", () => {
  test("a task that throws rejects with its name, message, properties and remote stack", async () => {
    await using pool = new Pool(1, { module });
    await assert.rejects(
      pool.apply(tasks.fail, ["bad value"]),
      (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.equal(error.message, "bad value");
        assert.equal((error as RangeError & { code: string }).code, "E_TASK");
        const cause = error.cause as Error;
        assert.equal(cause.name, "RemoteTraceback");
        assert.match(cause.message, /at fail .*pool_tasks\.[jt]s/);
        return true;
      },
    );
    await assert.rejects(
      pool.map((x: number) => {
        if (x === 77) throw new TypeError(`item ${x}`);
        return x;
      }, range(100)),
      { name: "TypeError", message: "item 77" },
    );
  });

  test("a source-sent function that uses an outer name says how to fix it", async () => {
    await using pool = new Pool(1);
    const offset = 3;
    await assert.rejects(pool.apply(() => offset), {
      name: "ReferenceError",
      message:
        /^Cannot run function "\w*" in a worker: it uses offset, which is not defined there/,
    });
  });

  test("an argument that cannot be cloned rejects with a TypeError naming it", async () => {
    await using pool = new Pool(1);
    const f = (x: unknown) => x;
    await assert.rejects(pool.apply((_a: number, _b: unknown) => 0, [1, f]), {
      name: "TypeError",
      message:
        "Cannot submit task to the pool: args[1] (function f) could not be sent to a worker",
    });
    await assert.rejects(pool.map(f, [1, 2, f], { chunksize: 1 }), {
      name: "TypeError",
      message:
        "Cannot submit task to the pool: iterable[2] (function f) could not be sent to a worker",
    });
    await assert.rejects(pool.map(f, [1, 2, 3, 4, f], { chunksize: 2 }), {
      message:
        "Cannot submit task to the pool: iterable[4] (function f) could not be sent to a worker",
    });
    await assert.rejects(
      pool.starmap((_a: unknown, _b: unknown) => 0, [[1, 2], [3, f]], {
        chunksize: 1,
      }),
      {
        message:
          "Cannot submit task to the pool: iterable[1][1] (function f) could not be sent to a worker",
      },
    );
    // Other tasks of the same batch still run.
    const good = pool.applyAsync(square, [4]);
    const bad = pool.applyAsync(f, [f]);
    assert.equal(await good, 16);
    await assert.rejects(bad.get(), { name: "TypeError" });
  });

  test("a result that cannot be cloned rejects with MaybeEncodingError", async () => {
    await using pool = new Pool(1, { module });
    await assert.rejects(pool.apply(tasks.unsendable), (error: unknown) => {
      assert.ok(error instanceof MaybeEncodingError);
      assert.match(
        (error as Error).message,
        /^Cannot send a task's result back to the pool: function \(anonymous\) could not be cloned/,
      );
      return true;
    });
    assert.equal(await pool.apply(square, [3]), 9);
  });

  test("a worker that exits mid-task rejects its tasks with WorkerExitError and is replaced", async () => {
    await using pool = new Pool(2, { module });
    await assert.rejects(pool.apply(tasks.exitAt, [1, 1, 7]), (error) => {
      assert.ok(error instanceof WorkerExitError);
      assert.equal(error.exitCode, 7);
      assert.match(
        error.message,
        /^Pool worker SpawnPoolWorker-\d+ \(pid \d+\) exited with code 7 before the task finished$/,
      );
      return true;
    });
    await assert.rejects(pool.apply(tasks.crashLater), {
      name: "WorkerExitError",
      exitCode: 1,
    });
    assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
  });

  test("a crash in the middle of 10,000 tasks rejects exactly the dead worker's tasks", async () => {
    await using pool = new Pool(2, { module });
    const results = range(10_000).map((x) =>
      pool.applyAsync(tasks.exitAt, [x, 5000])
    );
    const settled = await Promise.allSettled(results.map((r) => r.get()));
    const rejected = settled.flatMap((s, i) =>
      s.status === "rejected" ? [i] : []
    );
    assert.ok(rejected.includes(5000));
    assert.ok(rejected.length < 10_000);
    for (const i of rejected) {
      assert.ok(
        (settled[i] as PromiseRejectedResult).reason instanceof WorkerExitError,
      );
    }
    settled.forEach((s, i) => {
      if (s.status === "fulfilled") assert.equal(s.value, i * 2);
    });
    await assert.rejects(
      pool.starmap(tasks.exitAt, range(10_000).map((x) => [x, 5000])),
      { name: "WorkerExitError", exitCode: 3 },
    );
    assert.deepEqual(
      await pool.map(square, range(10_000)),
      range(10_000).map(square),
    );
  });
});

describe("Pool crash in a long imapUnordered", () => {
  test("Pool.imapUnordered() delivers every other result around a dead worker's tasks", async () => {
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
    assert.equal(values.length + errors.length, 10_000);
    assert.ok(errors.length >= 1);
    assert.ok(errors.every((e) => e instanceof WorkerExitError));
    assert.ok(!values.includes(10_000));
    assert.equal(new Set(values).size, values.length);
    assert.ok(values.every((v) => v % 2 === 0 && v < 20_000));
    assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
  });
});

describe("Pool abort", () => {
  test("aborting stops a running task, rejects with the reason, and the pool goes on", async () => {
    await using pool = new Pool(1, { module });
    const shared = sharedInts();
    const controller = new AbortController();
    const running = pool.apply(tasks.spin, [shared], {
      signal: controller.signal,
    });
    const queued = pool.map(square, [1, 2], { signal: controller.signal });
    await waitUntil(() => Atomics.load(shared, 1) === 1);
    const reason = new Error("changed my mind");
    controller.abort(reason);
    await assert.rejects(running, (error) => error === reason);
    await assert.rejects(queued, (error) => error === reason);
    assert.equal(await pool.apply(square, [5]), 25);
  });

  test("aborting one job keeps the other jobs of the same worker", async () => {
    await using pool = new Pool(1, { module });
    const shared = sharedInts();
    const controller = new AbortController();
    const spinning = pool.applyAsync(tasks.spin, [shared], {
      signal: controller.signal,
    });
    const other = pool.map(square, range(10));
    await waitUntil(() => Atomics.load(shared, 1) === 1);
    controller.abort();
    await assert.rejects(spinning.get(), { name: "AbortError" });
    assert.deepEqual(await other, range(10).map(square));
  });

  test("an already aborted signal rejects without running anything", async () => {
    await using pool = new Pool(1);
    const signal = AbortSignal.abort(new Error("too late"));
    await assert.rejects(pool.map(square, [1], { signal }), {
      message: "too late",
    });
    await assert.rejects(pool.applyAsync(square, [1], { signal }).get(), {
      message: "too late",
    });
    await assert.rejects(pool.imap(square, [1], { signal }).next(), {
      message: "too late",
    });
  });

  test("aborting an imap rejects its next() with the reason and ends it", async () => {
    await using pool = new Pool(1);
    const controller = new AbortController();
    const iterator = pool.imap(square, range(10), {
      signal: controller.signal,
    });
    assert.deepEqual(await iterator.next(), { value: 0, done: false });
    controller.abort(new Error("stop"));
    await assert.rejects(iterator.next(), { message: "stop" });
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  });
});

describe("Pool lifecycle", () => {
  test('Pool.close() refuses new work with "Pool not running" and join() waits for the rest', async () => {
    const pool = new Pool(2, { module });
    const pending = pool.starmap(tasks.sleepy, [[1, 30], [2, 10]]);
    pool.close();
    await assert.rejects(pool.map(square, [1]), {
      name: "ProcessError",
      message: "Pool not running",
    });
    assert.throws(() => pool.applyAsync(square, [1]), {
      message: "Pool not running",
    });
    assert.throws(() => pool.imap(square, [1]), {
      message: "Pool not running",
    });
    await pool.join();
    assert.deepEqual(await pending, [1, 2]);
  });

  test("Pool.join() before close() rejects with ProcessError", async () => {
    await using pool = new Pool(1);
    await assert.rejects(pool.join(), {
      name: "ProcessError",
      message:
        "Cannot join pool: it is still running, call close() or terminate() first",
    });
  });

  test("Pool.terminate() rejects pending work and resolves when the workers are gone", async () => {
    const pool = new Pool(1, { module });
    const shared = sharedInts();
    const running = pool.apply(tasks.spin, [shared]);
    const queued = pool.applyAsync(square, [2]);
    const iterator = pool.imap(square, range(5));
    await waitUntil(() => Atomics.load(shared, 1) === 1);
    const terminated = {
      name: "ProcessError",
      message: "Cannot finish task: the pool was terminated",
    };
    // Listen before terminating, so no rejection goes unhandled.
    const outcomes = [
      assert.rejects(running, terminated),
      assert.rejects(queued.get(), terminated),
      assert.rejects(iterator.next(), terminated),
    ];
    await pool.terminate();
    await Promise.all(outcomes);
    await pool.join();
    await pool.terminate();
    await assert.rejects(pool.apply(square, [1]), {
      message: "Pool not running",
    });
  });

  test("await using terminates the pool", async () => {
    let outer: Pool;
    {
      await using pool = new Pool(1);
      outer = pool;
      assert.equal(await pool.apply(square, [3]), 9);
    }
    await assert.rejects(outer.apply(square, [1]), {
      message: "Pool not running",
    });
  });

  test("a script that never closes its pool exits when its work is done", async () => {
    const { code, stdout } = await runFixture("pool_unclosed");
    assert.equal(code, 0);
    assert.equal(stdout, "[2,3,4]\ncallback 42\n");
  });
});

describe("Pool bad input", () => {
  test("new Pool() rejects bad processes, options and initargs", () => {
    assert.throws(() => new Pool(0), {
      name: "RangeError",
      message:
        'Cannot create Pool: "processes" must be an integer of at least 1, received 0',
    });
    assert.throws(() => new Pool("2" as never), {
      name: "TypeError",
      message:
        'Cannot create Pool: "processes" must be an integer of at least 1, received "2"',
    });
    assert.throws(() => new Pool(1, { maxtasksperchild: 1.5 }), {
      name: "RangeError",
      message:
        'Cannot create Pool: "maxtasksperchild" must be an integer of at least 1, received 1.5',
    });
    assert.throws(() => new Pool({ procesess: 2 } as never), {
      name: "TypeError",
      message: /^Cannot create Pool: unknown option "procesess"/,
    });
    assert.throws(() => new Pool(1, { initializer: 5 as never }), {
      name: "TypeError",
      message:
        'Cannot create Pool: "initializer" must be a function, received 5',
    });
    assert.throws(() => new Pool(1, { initargs: 5 as never }), {
      name: "TypeError",
      message: 'Cannot create Pool: "initargs" must be an array, received 5',
    });
    assert.throws(
      () => new Pool(1, { initializer: () => {}, initargs: [1, Symbol("s")] }),
      {
        name: "TypeError",
        message:
          "Cannot create Pool: initargs[1] (Symbol(s)) could not be sent to a worker",
      },
    );
  });

  test("Pool methods reject bad functions, iterables and options", async () => {
    await using pool = new Pool(1);
    await assert.rejects(pool.map(5 as never, [1]), {
      name: "TypeError",
      message: 'Cannot map: "fn" must be a function, received 5',
    });
    await assert.rejects(pool.map(square, 5 as never), {
      name: "TypeError",
      message: 'Cannot map: "iterable" must be iterable, received 5',
    });
    await assert.rejects(pool.map(square, [1], { chunksize: 0 }), {
      name: "RangeError",
      message:
        'Cannot map: "chunksize" must be an integer of at least 1, received 0',
    });
    await assert.rejects(
      pool.map(square, [1], { chunksize: 1, foo: 1 } as never),
      {
        name: "TypeError",
        message: /^Cannot map: unknown option "foo"/,
      },
    );
    await assert.rejects(pool.starmap(square as never, [1] as never), {
      name: "TypeError",
      message:
        "Cannot starmap: iterable[0] must be an array of arguments, received 1",
    });
    await assert.rejects(pool.apply(square, 3 as never), {
      name: "TypeError",
      message: 'Cannot apply: "args" must be an array, received 3',
    });
    assert.throws(
      () => pool.applyAsync(square, [1], { callback: 1 as never }),
      {
        name: "TypeError",
        message: 'Cannot applyAsync: "callback" must be a function, received 1',
      },
    );
    assert.throws(() => pool.imap(square, 7 as never), {
      name: "TypeError",
      message:
        'Cannot imapUnordered: "iterable" must be iterable or async iterable, received 7'
          .replace("imapUnordered", "imap"),
    });
    assert.throws(
      () => pool.imapUnordered(square, [1], { signal: {} as never }),
      {
        name: "TypeError",
        message:
          'Cannot imapUnordered: "signal" must be an AbortSignal, received an object (Object)',
      },
    );
  });
});
