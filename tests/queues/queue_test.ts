import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Empty,
  Full,
  JoinableQueue,
  Lock,
  Process,
  Queue,
  SimpleQueue,
} from "../../mod.ts";
import { fixture, sharedInts, waitUntil } from "../_helpers.ts";

const module = fixture("queue_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/queue_targets.ts");

function start<A extends unknown[]>(
  target: (...args: A) => unknown,
  args: A,
): Process<A> {
  const p = new Process({ target, args, module });
  p.start();
  return p;
}

async function joinAll(ps: Process<never>[]): Promise<void> {
  await Promise.all(ps.map((p) => p.join()));
  assert.deepEqual(ps.map((p) => p.exitCode), ps.map(() => 0));
}

function count(into: Map<string, number>, key: string, n = 1): void {
  into.set(key, (into.get(key) ?? 0) + n);
}

describe("Queue", () => {
  test("Queue.get() returns items in FIFO order with their types intact", async () => {
    const queue = new Queue();
    const items = [
      1,
      "two",
      { three: [3n] },
      new Map([["four", new Date(4)]]),
      new Set([5]),
      new Uint8Array([6]),
      undefined,
      null,
      -0,
      NaN,
      [7, , 8],
    ];
    for (const item of items) queue.put(item);
    assert.equal(queue.qsize(), items.length);
    const got = [];
    for (const _ of items) got.push(await queue.getAsync());
    assert.deepEqual(got, items);
    assert.equal(queue.empty(), true);
  });

  test("Queue carries text exactly, ASCII or not, short or long", async () => {
    const queue = new Queue();
    const items = [
      "é",
      "\u0000\u007f\u0080",
      "\ud800 lone surrogate",
      { emoji: "😀", at: ["end é"] },
      "a".repeat(252) + "é",
      "a".repeat(253) + "é",
      "a".repeat(254),
      "a".repeat(255),
      "b".repeat(1000) + "ü",
      ["x".repeat(300)],
    ];
    for (const item of items) queue.put(item);
    const got = [];
    for (const _ of items) got.push(await queue.getAsync());
    assert.deepEqual(got, items);
  });

  for (const maxsize of [0, 8]) {
    test(`Queue(${maxsize}) stress: 3 producers and 3 consumers move 100,000 mixed items, none lost or changed`, async () => {
      const queue = new Queue(maxsize);
      const results = new Queue<Map<string, number>>();
      const counts = [33_334, 33_333, 33_333];
      const producers = counts.map((n, i) =>
        start(targets.produce, [queue, i, n])
      );
      const consumers = [0, 1, 2].map(() =>
        start(targets.consume, [queue, results])
      );
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, queue.qsize());
      }, 1);
      await joinAll(producers);
      for (const _ of consumers) await queue.putAsync(targets.STOP);
      const received = new Map<string, number>();
      for (const _ of consumers) {
        for (const [key, n] of await results.getAsync()) {
          count(received, key, n);
        }
      }
      clearInterval(sampler);
      await joinAll(consumers);
      const sent = new Map<string, number>();
      counts.forEach((n, producer) => {
        for (let seq = 0; seq < n; seq++) {
          count(sent, targets.canon(targets.makeItem(producer, seq)));
        }
      });
      assert.equal([...received.values()].reduce((a, b) => a + b), 100_000);
      assert.deepEqual(received, sent);
      if (maxsize !== 0) assert.ok(peak <= maxsize, `qsize reached ${peak}`);
      assert.equal(queue.empty(), true);
    });
  }

  test("Queue(8).put() blocks a producer while 8 items wait, and resumes when one is taken", async () => {
    const queue = new Queue<number>(8);
    const progress = sharedInts(4);
    const p = start(targets.countedProducer, [queue, progress, 20]);
    await waitUntil(() => Atomics.load(progress, 0) === 9);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(Atomics.load(progress, 1), 8);
    assert.equal(queue.qsize(), 8);
    assert.equal(queue.full(), true);
    assert.equal(await queue.getAsync(), 0);
    await waitUntil(() => Atomics.load(progress, 0) === 10);
    assert.equal(Atomics.load(progress, 1), 9);
    const rest = [];
    for (let i = 1; i < 20; i++) rest.push(await queue.getAsync());
    assert.deepEqual(
      rest,
      globalThis.Array.from({ length: 19 }, (_, i) => i + 1),
    );
    await joinAll([p]);
  });

  test("Queue carries an item 16 times larger than its memory from a worker", async () => {
    const queue = new Queue();
    const p = start(targets.produce, [queue, 1, 14_322]);
    let last: unknown;
    for (let i = 0; i < 14_322; i++) last = await queue.getAsync();
    assert.deepEqual(last, targets.makeItem(1, 14_321));
    assert.equal((last as Uint8Array).length, 200_001);
    await joinAll([p]);
  });

  test("Queue.getAsync({ timeout }) throws Empty and put({ timeout }) throws Full after the timeout", async () => {
    const queue = new Queue(1);
    let started = performance.now();
    await assert.rejects(queue.getAsync({ timeout: 30 }), {
      name: "Empty",
      message: "Cannot get item from Queue: it is empty",
    });
    assert.ok(performance.now() - started >= 25);
    queue.put(1);
    started = performance.now();
    assert.throws(() => queue.put(2, { timeout: 30 }), {
      name: "Full",
      message: "Cannot put item on Queue: it is full",
    });
    assert.ok(performance.now() - started >= 25);
    assert.throws(() => queue.putNowait(2), Full);
    assert.equal(queue.getNowait(), 1);
    assert.throws(() => queue.getNowait(), Empty);
    assert.throws(() => queue.get({ block: false }), Empty);
  });

  test("SimpleQueue and JoinableQueue arrive in a worker as the same kind of queue", async () => {
    const simple = new SimpleQueue<string>();
    const joinable = new JoinableQueue<string>();
    const progress = sharedInts(4);
    const ps = [
      start(targets.putBadThenGood, [simple, progress, "SimpleQueue"]),
      start(targets.calculator, [joinable, simple]),
    ];
    joinable.put(["mul", 6, 7] as never);
    joinable.put(targets.STOP);
    const got = [await simple.getAsync(), await simple.getAsync()].sort();
    assert.deepEqual(got, ["good", "mul(6, 7) = 42"]);
    await joinAll(ps);
    assert.equal(Atomics.load(progress, 0), 1);
  });
});

describe("JoinableQueue", () => {
  test("JoinableQueue.join() returns only after every taskDone()", async () => {
    const queue = new JoinableQueue<unknown>();
    const progress = sharedInts(4);
    const joiner = start(targets.joiner, [queue, progress]);
    for (let i = 0; i < 300; i++) queue.put(i);
    const workers = [0, 1].map(() =>
      start(targets.joinConsumer, [queue, progress])
    );
    await queue.joinAsync();
    assert.equal(Atomics.load(progress, 0), 300);
    await waitUntil(() => Atomics.load(progress, 2) === 1);
    assert.equal(Atomics.load(progress, 1), 300);
    await joinAll([joiner]);
    for (const _ of workers) queue.put(targets.STOP);
    await queue.joinAsync();
    await joinAll(workers);
  });

  test("JoinableQueue.taskDone() called too many times throws RangeError", () => {
    const queue = new JoinableQueue();
    queue.put(1);
    queue.get();
    queue.taskDone();
    assert.throws(() => queue.taskDone(), {
      name: "RangeError",
      message:
        "Cannot mark task done on JoinableQueue: taskDone() was called more times than items were put",
    });
    queue.join();
  });
});

describe("Queue: the Python docs worker pattern", () => {
  test("workers take tasks from one queue and put results on another until their sentinel", async () => {
    const tasks = new Queue();
    const done = new Queue<string>();
    const workers = [0, 1, 2].map(() =>
      start(targets.calculator, [tasks, done])
    );
    const expected = [];
    for (let i = 0; i < 20; i++) {
      await tasks.putAsync(["mul", i, 7]);
      await tasks.putAsync(["plus", i, 8]);
      expected.push(`mul(${i}, 7) = ${i * 7}`, `plus(${i}, 8) = ${i + 8}`);
    }
    for (const _ of workers) await tasks.putAsync(targets.STOP);
    const results = [];
    for (const _ of expected) results.push(await done.getAsync());
    await joinAll(workers);
    assert.deepEqual(results.sort(), expected.sort());
    assert.equal(tasks.empty(), true);
  });
});

describe("Queue bad input", () => {
  test("Queue.put() of a function throws TypeError naming it and the queue stays usable", async () => {
    const queue = new Queue();
    assert.throws(() => queue.put(function f() {}), {
      name: "TypeError",
      message:
        "Cannot put item on Queue: it is not structured-cloneable, received function f",
    });
    await assert.rejects(queue.putAsync([1, { g: Symbol("s") }]), {
      name: "TypeError",
      message:
        "Cannot put item on Queue: it is not structured-cloneable, received Symbol(s)",
    });
    assert.throws(() => queue.put({ lock: new Lock() }), {
      name: "TypeError",
      message:
        "Cannot put item on Queue: shared objects travel as Process arguments, not inside items, received an object (Lock)",
    });
    assert.equal(queue.qsize(), 0);
    queue.put("still works");
    assert.equal(queue.get(), "still works");
  });

  test("Queue.get() rejects bad options with TypeError", async () => {
    const queue = new Queue();
    const what = "Cannot get item from Queue";
    await assert.rejects(queue.getAsync({ timeout: "5" as never }), {
      name: "TypeError",
      message:
        `${what}: timeout must be a number of milliseconds, received "5"`,
    });
    assert.throws(() => queue.get({ block: "no" as never }), {
      name: "TypeError",
      message: `${what}: "block" must be a boolean, received "no"`,
    });
    assert.throws(() => queue.put(1, { timout: 1 } as never), {
      name: "TypeError",
      message:
        'Cannot put item on Queue: unknown option "timout" (known: block, timeout), received 1',
    });
  });

  for (const Kind of [Queue, SimpleQueue, JoinableQueue]) {
    test(`${Kind.name} after close(): empty(), put*() and get*() throw ProcessError; qsize() and full() answer`, async () => {
      const queue = new Kind();
      queue.put("left");
      queue.close();
      const put = `Cannot put item on ${Kind.name}: it is closed`;
      const get = `Cannot get item from ${Kind.name}: it is closed`;
      assert.throws(() => queue.empty(), {
        name: "ProcessError",
        message: `Cannot check whether ${Kind.name} is empty: it is closed`,
      });
      assert.throws(() => queue.put(1), { name: "ProcessError", message: put });
      assert.throws(() => queue.putNowait(1), {
        name: "ProcessError",
        message: put,
      });
      await assert.rejects(queue.putAsync(1), {
        name: "ProcessError",
        message: put,
      });
      assert.throws(() => queue.get(), { name: "ProcessError", message: get });
      assert.throws(() => queue.getNowait(), {
        name: "ProcessError",
        message: get,
      });
      await assert.rejects(queue.getAsync(), {
        name: "ProcessError",
        message: get,
      });
      assert.equal(queue.qsize(), 1);
      assert.equal(queue.full(), false);
    });
  }

  test("new Queue(maxsize) with maxsize <= 0 is unbounded, as in Python", () => {
    for (const maxsize of [0, -1, -100]) {
      const queue = new Queue<number>(maxsize);
      for (let i = 0; i < 1_000; i++) queue.putNowait(i);
      assert.equal(queue.qsize(), 1_000);
      assert.equal(queue.full(), false);
    }
    const joinable = new JoinableQueue(-1);
    joinable.putNowait(1);
    assert.equal(joinable.getNowait(), 1);
  });

  test("Queue.put() of a SharedArrayBuffer, or a view of one, throws TypeError on every runtime", () => {
    const queue = new Queue();
    const shared = new SharedArrayBuffer(8);
    assert.throws(() => queue.put(shared), {
      name: "TypeError",
      message:
        "Cannot put item on Queue: shared memory travels as a Process argument, not inside items, received an object (SharedArrayBuffer)",
    });
    assert.throws(() => queue.put({ cells: new Int32Array(shared) }), {
      name: "TypeError",
      message:
        "Cannot put item on Queue: shared memory travels as a Process argument, not inside items, received an object (Int32Array)",
    });
    assert.equal(queue.qsize(), 0);
    queue.put(new Int32Array(new ArrayBuffer(8)));
    assert.deepEqual(queue.get(), new Int32Array(2));
  });

  test("new Queue() rejects a bad maxsize", () => {
    assert.throws(() => new Queue(1.5), {
      name: "RangeError",
      message:
        "Cannot create Queue: maxsize must be an integer up to 2147483647 (0 or less for no limit), received 1.5",
    });
    assert.throws(() => new JoinableQueue("8" as never), {
      name: "TypeError",
      message:
        'Cannot create JoinableQueue: maxsize must be a number, received "8"',
    });
  });
});
