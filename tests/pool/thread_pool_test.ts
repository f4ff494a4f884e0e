import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AsyncResult, cpuCount, ProcessError, ThreadPool } from "../../mod.ts";

function range(n: number, from = 0): number[] {
  return globalThis.Array.from({ length: n }, (_, i) => from + i);
}

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterator) out.push(value);
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const square = (x: number) => x * x;

/** An async task that records how many calls run at once. */
function gauge(): { fn: (x: number) => Promise<number>; max: () => number } {
  let now = 0;
  let max = 0;
  return {
    fn: async (x: number) => {
      max = Math.max(max, ++now);
      await sleep((x * 7) % 5);
      now--;
      return x;
    },
    max: () => max,
  };
}

/** A promise and the function that resolves it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => resolve = r);
  return { promise, resolve };
}

describe("ThreadPool", () => {
  test("ThreadPool runs the seed program: map, applyAsync().get(), close, join", async () => {
    const pool = new ThreadPool(5);
    const f = (x: number) => x ** 2;
    assert.deepEqual(
      await pool.map(f, range(10, 1)),
      [1, 4, 9, 16, 25, 36, 49, 64, 81, 100],
    );
    assert.equal(await pool.applyAsync(f, [12]).get(), 144);
    pool.close();
    await pool.join();
  });

  test("ThreadPool runs at most processes calls at once, and that many", async () => {
    for (const processes of [1, 3, 8]) {
      await using pool = new ThreadPool(processes);
      const { fn, max } = gauge();
      assert.deepEqual(
        await pool.map(fn, range(60), { chunksize: 1 }),
        range(60),
      );
      assert.equal(max(), processes);
    }
    await using byDefault = new ThreadPool();
    const { fn, max } = gauge();
    await byDefault.map(fn, range(4 * cpuCount()), { chunksize: 1 });
    assert.equal(max(), cpuCount());
    await using byOption = new ThreadPool({ processes: 2 });
    const second = gauge();
    await byOption.map(second.fn, range(10), { chunksize: 1 });
    assert.equal(second.max(), 2);
  });

  test("ThreadPool.map() keeps input order for every chunksize", async () => {
    await using pool = new ThreadPool(2);
    const xs = range(1000);
    const expected = xs.map(square);
    assert.deepEqual(await pool.map(square, xs), expected);
    for (const chunksize of [1, 3, 7, 1000, 5000]) {
      assert.deepEqual(await pool.map(square, xs, { chunksize }), expected);
    }
    assert.deepEqual(await pool.map(square, new Set([3, 4])), [9, 16]);
    assert.deepEqual(await pool.map(square, []), []);
  });

  test("ThreadPool.starmap() keeps input order under random async durations", async () => {
    await using pool = new ThreadPool(3);
    const sleepy = async (x: number, ms: number) => {
      await sleep(ms);
      return x;
    };
    const items = range(120).map((x) =>
      [x, (x * 7919) % 6] as [number, number]
    );
    for (const chunksize of [1, 4]) {
      assert.deepEqual(
        await pool.starmap(sleepy, items, { chunksize }),
        range(120),
      );
    }
  });

  test("ThreadPool passes closures and arguments as they are, without copying", async () => {
    await using pool = new ThreadPool(2);
    const offset = 3;
    const seen: object[] = [];
    const box = { n: 1 };
    assert.deepEqual(await pool.map((x: number) => x + offset, [1, 2]), [4, 5]);
    const result = await pool.apply((b: { n: number }) => {
      seen.push(b);
      b.n++;
      return b;
    }, [box]);
    assert.equal(result, box);
    assert.equal(seen[0], box);
    assert.equal(box.n, 2);
    const fn = () => 1;
    assert.equal(await pool.apply(() => fn), fn);
  });

  test("ThreadPool.mapAsync() and starmapAsync() call back before get() resolves", async () => {
    await using pool = new ThreadPool(2);
    const seen: unknown[] = [];
    const result = pool.mapAsync(square, [1, 2, 3], {
      callback: (values) => seen.push(values),
    });
    assert.ok(result instanceof AsyncResult);
    assert.deepEqual(await result.get(), [1, 4, 9]);
    assert.deepEqual(seen, [[1, 4, 9]]);
    const star = pool.starmapAsync(
      (a: number, b: number) => a - b,
      [[5, 1], [9, 3]],
      { chunksize: 1, callback: (values) => seen.push(values) },
    );
    assert.deepEqual(await star, [4, 6]);
    assert.deepEqual(seen, [[1, 4, 9], [4, 6]]);
  });

  test("ThreadPool.imap() yields in order and imapUnordered() yields every result", async () => {
    await using pool = new ThreadPool(3);
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
    assert.notDeepEqual(unordered, range(60));
    assert.deepEqual(unordered.sort((a, b) => a - b), range(60));
  });

  test("ThreadPool.imap() pulls an infinite async iterable lazily", async () => {
    await using pool = new ThreadPool(2);
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
      if (seen.length % 25 === 0) await sleep(20);
    }
    assert.deepEqual(seen, range(100).map(square));
    const bound = 100 + 2 * 2 * 16 * 2; // consumed + in flight + unread
    assert.ok(pulled <= bound, `pulled ${pulled} items`);
    await sleep(20);
    const after = pulled;
    await sleep(50);
    assert.equal(pulled, after);
  });

  test("ThreadPool.imap() rejects a failed chunk at its place and goes on", async () => {
    await using pool = new ThreadPool(2);
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

  test("ThreadPool.imap() rejects with the error of a failing input iterable", async () => {
    await using pool = new ThreadPool(1);
    function* items(): Generator<number> {
      yield 1;
      throw new Error("input broke");
    }
    const iterator = pool.imap(square, items());
    assert.deepEqual(await iterator.next(), { value: 1, done: false });
    await assert.rejects(iterator.next(), { message: "input broke" });
  });

  test("ThreadPool.apply() and applyAsync() run one call", async () => {
    await using pool = new ThreadPool(1);
    assert.equal(await pool.apply((a: number, b: number) => a + b, [2, 3]), 5);
    assert.equal(await pool.apply(() => "no args"), "no args");
    assert.equal(
      await pool.applyAsync((x: number) => Promise.resolve(x + 1), [1]),
      2,
    );
  });

  test("ThreadPool AsyncResult get(), wait(), ready() and successful() follow Python", async () => {
    await using pool = new ThreadPool(1);
    const gate = deferred<string>();
    const result = pool.applyAsync(() => gate.promise);
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
    gate.resolve("released");
    assert.equal(await result.wait(), true);
    assert.equal(result.successful(), true);
    assert.equal(await result.get(0), "released");
    const failed = pool.applyAsync(() => {
      throw new RangeError("bad");
    });
    assert.equal(await failed.wait(), true);
    assert.equal(failed.successful(), false);
    await assert.rejects(failed.get(), { name: "RangeError", message: "bad" });
  });

  test("ThreadPool.applyAsync() calls errorCallback with the very error thrown", async () => {
    await using pool = new ThreadPool(1);
    const thrown = Object.assign(new RangeError("boom"), { code: "E_TASK" });
    const errors: unknown[] = [];
    const result = pool.applyAsync(() => Promise.reject(thrown), [], {
      errorCallback: (error) => errors.push(error),
    });
    await assert.rejects(result.get(), (error) => error === thrown);
    assert.deepEqual(errors, [thrown]);
  });

  test("ThreadPool.initializer runs once per slot before any task", async () => {
    const calls: string[] = [];
    let state = "unset";
    await using pool = new ThreadPool(3, {
      initializer: async (value: string) => {
        await sleep(5);
        calls.push(value);
        state = value;
      },
      initargs: ["ready"],
    });
    const seen = await pool.map(() => state, range(20), { chunksize: 1 });
    assert.deepEqual(new Set(seen), new Set(["ready"]));
    assert.deepEqual(calls, ["ready", "ready", "ready"]);
  });

  test("ThreadPool tasks reject with the initializer's error when it throws", async () => {
    await using pool = new ThreadPool(1, {
      initializer: () => {
        throw new TypeError("initializer failed");
      },
    });
    await assert.rejects(pool.apply(square, [2]), {
      name: "TypeError",
      message: "initializer failed",
    });
  });

  test("a map whose task throws rejects with that error and drops its queued chunks", async () => {
    await using pool = new ThreadPool(1);
    const ran: number[] = [];
    await assert.rejects(
      pool.map(
        (x: number) => {
          ran.push(x);
          if (x === 7) throw new TypeError(`item ${x}`);
          return x;
        },
        range(100),
        { chunksize: 1 },
      ),
      { name: "TypeError", message: "item 7" },
    );
    await sleep(20);
    assert.deepEqual(ran, range(8));
  });

  test("a long run of synchronous calls still lets timers fire", async () => {
    await using pool = new ThreadPool(2);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const busy = (x: number) => {
      const end = performance.now() + 0.5;
      while (performance.now() < end) { /* CPU-bound */ }
      return x;
    };
    const started = performance.now();
    assert.deepEqual(
      await pool.map(busy, range(200), { chunksize: 1 }),
      range(200),
    );
    clearInterval(timer);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 100, `took ${elapsed} ms`);
    assert.ok(ticks >= 5, `${ticks} timer ticks in ${elapsed} ms`);
  });
});

describe("ThreadPool abort and lifecycle", () => {
  test("aborting rejects with the reason, drops queued work, and the pool goes on", async () => {
    await using pool = new ThreadPool(1);
    const gate = deferred<string>();
    const controller = new AbortController();
    const ran: number[] = [];
    const running = pool.apply(() => gate.promise, [], {
      signal: controller.signal,
    });
    const queued = pool.map((x: number) => ran.push(x), [1, 2], {
      signal: controller.signal,
    });
    await sleep(5);
    const reason = new Error("changed my mind");
    controller.abort(reason);
    await assert.rejects(running, (error) => error === reason);
    await assert.rejects(queued, (error) => error === reason);
    gate.resolve("late");
    assert.equal(await pool.apply(square, [5]), 25);
    assert.deepEqual(ran, []);
  });

  test("an already aborted signal rejects without running anything", async () => {
    await using pool = new ThreadPool(1);
    const signal = AbortSignal.abort(new Error("too late"));
    let ran = 0;
    const count = () => ran++;
    await assert.rejects(pool.map(count, [1], { signal }), {
      message: "too late",
    });
    await assert.rejects(pool.applyAsync(count, [], { signal }).get(), {
      message: "too late",
    });
    await assert.rejects(pool.imap(count, [1], { signal }).next(), {
      message: "too late",
    });
    assert.equal(ran, 0);
  });

  test("aborting an imap rejects its next() with the reason and ends it", async () => {
    await using pool = new ThreadPool(1);
    const controller = new AbortController();
    const iterator = pool.imap(square, range(10), {
      signal: controller.signal,
    });
    assert.deepEqual(await iterator.next(), { value: 0, done: false });
    controller.abort(new Error("stop"));
    await assert.rejects(iterator.next(), { message: "stop" });
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  });

  test('ThreadPool.close() refuses new work with "Pool not running" and join() waits for the rest', async () => {
    const pool = new ThreadPool(2);
    const done: number[] = [];
    const pending = pool.map(
      async (ms: number) => {
        await sleep(ms);
        done.push(ms);
        return ms;
      },
      [30, 10],
      { chunksize: 1 },
    );
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
    assert.deepEqual(done, [10, 30]);
    assert.deepEqual(await pending, [30, 10]);
  });

  test("ThreadPool.join() before close() rejects with ProcessError", async () => {
    await using pool = new ThreadPool(1);
    await assert.rejects(pool.join(), {
      name: "ProcessError",
      message:
        "Cannot join pool: it is still running, call close() or terminate() first",
    });
  });

  test("ThreadPool.terminate() rejects pending work at once; join() waits for running calls", async () => {
    const pool = new ThreadPool(1);
    const gate = deferred<string>();
    let queuedRan = false;
    const running = pool.apply(() => gate.promise);
    const queued = pool.applyAsync(() => queuedRan = true);
    const iterator = pool.imap(square, range(5));
    await sleep(5);
    const terminated = {
      name: "ProcessError",
      message: "Cannot finish task: the pool was terminated",
    };
    const outcomes = [
      assert.rejects(running, terminated),
      assert.rejects(queued.get(), terminated),
      assert.rejects(iterator.next(), terminated),
    ];
    await pool.terminate();
    await Promise.all(outcomes);
    let joined = false;
    const join = pool.join().then(() => joined = true);
    await sleep(10);
    assert.equal(joined, false);
    gate.resolve("finished anyway");
    await join;
    assert.equal(queuedRan, false);
    await assert.rejects(pool.apply(square, [1]), {
      message: "Pool not running",
    });
    assert.ok(new ProcessError() instanceof Error);
  });

  test("await using terminates the ThreadPool", async () => {
    let outer: ThreadPool;
    {
      await using pool = new ThreadPool(1);
      outer = pool;
      assert.equal(await pool.apply(square, [3]), 9);
    }
    await assert.rejects(outer.apply(square, [1]), {
      message: "Pool not running",
    });
  });
});

describe("ThreadPool bad input", () => {
  test("new ThreadPool() rejects bad processes and options", () => {
    assert.throws(() => new ThreadPool(0), {
      name: "RangeError",
      message:
        'Cannot create ThreadPool: "processes" must be an integer of at least 1, received 0',
    });
    assert.throws(() => new ThreadPool("2" as never), {
      name: "TypeError",
      message:
        'Cannot create ThreadPool: "processes" must be an integer of at least 1, received "2"',
    });
    assert.throws(() => new ThreadPool(1, { maxtasksperchild: 2 } as never), {
      name: "TypeError",
      message: /^Cannot create ThreadPool: unknown option "maxtasksperchild"/,
    });
    assert.throws(() => new ThreadPool(1, { initializer: 5 as never }), {
      name: "TypeError",
      message:
        'Cannot create ThreadPool: "initializer" must be a function, received 5',
    });
    assert.throws(() => new ThreadPool(1, { initargs: 5 as never }), {
      name: "TypeError",
      message:
        'Cannot create ThreadPool: "initargs" must be an array, received 5',
    });
  });

  test("ThreadPool methods reject bad functions, iterables and options", async () => {
    await using pool = new ThreadPool(1);
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
        'Cannot imap: "iterable" must be iterable or async iterable, received 7',
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
