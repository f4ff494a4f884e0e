import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BaseManager,
  DictProxy,
  ListProxy,
  Manager,
  Pool,
  Process,
} from "../../mod.ts";
import {
  BrokenBarrierError,
  Empty,
  Full,
  ProcessError,
} from "../../lib/errors.ts";
import { fixture, runFixture } from "../_helpers.ts";

const module = fixture("manager_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/manager_targets.ts");

/**
 * Asserts a proxy call rejects with the class the local object would throw,
 * its message intact, and (this thread is the server's owner) the server's
 * stack in `cause`.
 */
async function rejectsAs(
  promise: Promise<unknown>,
  Class: new (...args: never[]) => Error,
  message: string | RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof Class, String(error));
    assert.equal((error as Error).name, Class.name);
    const text = (error as Error).message;
    if (typeof message === "string") assert.equal(text, message);
    else assert.match(text, message);
    const cause = (error as Error).cause as Error;
    assert.equal(cause.name, "RemoteTraceback");
    assert.match(cause.stack!, /manager[/\\]_/);
    return true;
  });
}

describe("Manager", () => {
  test("Manager proxies passed to pool tasks arrive connected: 4 workers × 250 appends", async () => {
    await using manager = await Manager();
    const list = await manager.list<string>();
    await using pool = new Pool(4, { module });
    await pool.starmap(
      targets.appendMany,
      [0, 1, 2, 3].map((who) =>
        [list, who, 250] as [ListProxy<string>, number, number]
      ),
      { chunksize: 1 },
    );
    const items = await list.toArray();
    assert.equal(items.length, 1_000);
    const expected = [0, 1, 2, 3].flatMap((who) =>
      globalThis.Array.from({ length: 250 }, (_, i) => `${who}:${i}`)
    );
    assert.deepEqual([...items].sort(), expected.sort());
  });

  test("Manager() runs the seed program: a child's append, Value and Array writes reach the parent", async () => {
    await using manager = await Manager();
    const list = await manager.list<string>();
    const value = await manager.Value("i", 0);
    const array = await manager.Array("i", [0, 0, 0]);
    const p = new Process({
      target: targets.seed,
      args: [list, value, array],
      module,
    });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.deepEqual(await list.toArray(), ["Hello"]);
    assert.equal(await value.get(), 42);
    assert.deepEqual(await array.toArray(), [0, 7, 0]);
  });

  test("ListProxy methods mirror Python's list", async () => {
    await using manager = await Manager();
    const list = await manager.list([3, 1, 2]);
    assert.ok(list instanceof ListProxy);
    await list.append(5);
    await list.extend([4, 4]);
    assert.equal(await list.length(), 6);
    assert.equal(await list.get(-1), 4);
    await list.set(0, 30);
    assert.equal(await list.pop(), 4);
    assert.equal(await list.pop(0), 30);
    await list.insert(1, 9);
    assert.deepEqual(await list.toArray(), [1, 9, 2, 5, 4]);
    await list.remove(9);
    assert.equal(await list.index(5), 2);
    assert.equal(await list.count(4), 1);
    assert.equal(await list.includes(2), true);
    await list.sort();
    assert.deepEqual(await list.toArray(), [1, 2, 4, 5]);
    await list.sort({ reverse: true });
    assert.deepEqual(await list.slice(1, 3), [4, 2]);
    await list.reverse();
    await list.delete(0);
    assert.deepEqual(await list.toArray(), [2, 4, 5]);
    await list.clear();
    assert.equal(await list.length(), 0);
    await assert.rejects(list.append((() => 1) as unknown as number), {
      name: "TypeError",
      message:
        "Cannot send call request to the manager: Unrecognized object: [object Function]",
    });
    await rejectsAs(
      list.get(3),
      RangeError,
      "Cannot get list item: index out of range (length 0), received 3",
    );
    await rejectsAs(
      list.pop(),
      RangeError,
      "Cannot pop from list: the list is empty",
    );
    await rejectsAs(
      list.remove(7),
      RangeError,
      "Cannot remove list item: not in list, received 7",
    );
  });

  test("ListProxy carries megabyte messages both ways", async () => {
    await using manager = await Manager();
    const list = await manager.list<string>();
    const items = Array.from({ length: 100_000 }, (_, i) => `item ${i}`);
    await list.extend(items);
    assert.equal(await list.length(), 100_000);
    assert.deepEqual(await list.toArray(), items);
  });

  test("DictProxy methods mirror Python's dict", async () => {
    await using manager = await Manager();
    const dict = await manager.dict<string, number>({ a: 1 });
    assert.ok(dict instanceof DictProxy);
    await dict.set("b", 2);
    await dict.update({ c: 3 });
    await dict.update([["d", 4]]);
    assert.equal(await dict.get("a"), 1);
    assert.equal(await dict.get("zz"), null);
    assert.equal(await dict.get("zz", 0), 0);
    assert.equal(await dict.has("b"), true);
    assert.deepEqual(await dict.keys(), ["a", "b", "c", "d"]);
    assert.deepEqual(await dict.values(), [1, 2, 3, 4]);
    assert.deepEqual(await dict.items(), [["a", 1], ["b", 2], ["c", 3], [
      "d",
      4,
    ]]);
    assert.equal(await dict.pop("d"), 4);
    assert.equal(await dict.pop("d", -1), -1);
    assert.deepEqual(await dict.popitem(), ["c", 3]);
    assert.equal(await dict.setdefault("e", 5), 5);
    assert.equal(await dict.setdefault("e", 6), 5);
    assert.equal(await dict.delete("a"), true);
    assert.equal(await dict.delete("a"), false);
    assert.equal(await dict.length(), 2);
    assert.deepEqual(await dict.toObject(), { b: 2, e: 5 });
    await rejectsAs(
      dict.pop("nope"),
      RangeError,
      'Cannot pop dict item: no such key, received "nope"',
    );
    await dict.clear();
    assert.equal(await dict.length(), 0);
  });

  test("Namespace, Value and Array proxies read and write", async () => {
    await using manager = await Manager();
    const ns = await manager.Namespace({ x: 1 });
    await ns.set("y", [1, "two"]);
    assert.equal(await ns.get("x"), 1);
    assert.equal(await ns.has("y"), true);
    assert.deepEqual(await ns.toObject(), { x: 1, y: [1, "two"] });
    assert.equal(await ns.delete("x"), true);
    await rejectsAs(
      ns.get("x"),
      RangeError,
      'Cannot get Namespace attribute: no such attribute, received "x"',
    );
    const value = await manager.Value("d", 1.5);
    assert.equal(await value.get(), 1.5);
    await value.set(2.5);
    assert.equal(await value.get(), 2.5);
    assert.equal(await value.value, 2.5);
    const array = await manager.Array("i", 3);
    assert.deepEqual(await array.toArray(), [0, 0, 0]);
    await array.set(-1, 9);
    assert.equal(await array.get(2), 9);
    assert.equal(await array.length(), 3);
    assert.deepEqual(await array.slice(1), [0, 9]);
    const big = await manager.Array<bigint>("q", [1n, 2n]);
    assert.deepEqual(await big.toArray(), [1n, 2n]);
    await rejectsAs(
      array.set(0, "x" as unknown as number),
      TypeError,
      'Cannot set item of Array: typecode "i" holds numbers, received "x"',
    );
    await rejectsAs(
      array.set(0, 1.5),
      RangeError,
      'Cannot set item of Array: typecode "i" holds integers from -2147483648 to 2147483647, received 1.5',
    );
    await rejectsAs(
      manager.Array("z", 1),
      TypeError,
      'Cannot create Array: unknown typecode (valid: b B h H i I l L q Q f d c ?), received "z"',
    );
  });

  test("Lock, RLock, Semaphore and BoundedSemaphore proxies acquire and release", async () => {
    await using manager = await Manager();
    const lock = await manager.Lock();
    assert.equal(await lock.acquire(), true);
    assert.equal(await lock.acquire({ block: false }), false);
    assert.equal(await lock.acquire({ timeout: 20 }), false);
    await lock.release();
    await rejectsAs(
      lock.release(),
      RangeError,
      "Cannot release Lock: released more times than acquired",
    );
    const rlock = await manager.RLock();
    assert.equal(await rlock.acquire(), true);
    assert.equal(await rlock.acquire(), true);
    await rlock.release();
    await rlock.release();
    await rejectsAs(
      rlock.release(),
      RangeError,
      "Cannot release RLock: it is not held by this client",
    );
    const sem = await manager.Semaphore(2);
    assert.equal(await sem.acquire(), true);
    assert.equal(await sem.acquire(), true);
    assert.equal(await sem.acquire({ block: false }), false);
    const waiting = sem.acquire();
    await sem.release();
    assert.equal(await waiting, true);
    const bounded = await manager.BoundedSemaphore(1);
    await rejectsAs(
      bounded.release(),
      RangeError,
      "Cannot release BoundedSemaphore: released more times than acquired",
    );
    {
      await using _ = await lock.hold();
      assert.equal(await lock.acquire({ block: false }), false);
    }
    assert.equal(await lock.acquire({ block: false }), true);
  });

  test("Condition, Event and Barrier proxies wait and wake", async () => {
    await using manager = await Manager();
    const cond = await manager.Condition();
    await cond.acquire();
    assert.equal(await cond.wait(10), false);
    await cond.release();
    await rejectsAs(
      cond.notify(),
      RangeError,
      "Cannot notify Condition: its lock is not held by this client",
    );
    const lock = await manager.Lock();
    const overLock = await manager.Condition(lock);
    await overLock.acquire();
    assert.equal(await lock.acquire({ block: false }), false);
    assert.equal(await overLock.wait(10), false);
    await overLock.notify();
    await overLock.release();
    assert.equal(await lock.acquire({ block: false }), true);
    await rejectsAs(
      manager.Condition(await manager.list() as never),
      TypeError,
      /^Cannot create Condition: the lock must be a Lock or RLock proxy of this manager, received /,
    );
    await rejectsAs(
      overLock.callMethod("_ownedBy", [{}]),
      TypeError,
      `Cannot call Condition method: not exposed (only public methods, or those named by register's "exposed"), received "_ownedBy"`,
    );
    const event = await manager.Event();
    assert.equal(await event.isSet(), false);
    assert.equal(await event.wait(10), false);
    const waiter = event.wait();
    await event.set();
    assert.equal(await waiter, true);
    await event.clear();
    assert.equal(await event.isSet(), false);
    const barrier = await manager.Barrier(2);
    assert.equal(await barrier.parties(), 2);
    const arrivals = await Promise.all([barrier.wait(), barrier.wait()]);
    assert.deepEqual(arrivals.sort(), [0, 1]);
    await rejectsAs(
      barrier.wait(20),
      BrokenBarrierError,
      "Barrier is broken",
    );
    assert.equal(await barrier.broken(), true);
    await barrier.reset();
    assert.equal(await barrier.broken(), false);
  });

  test("Queue and JoinableQueue proxies pass items in order", async () => {
    await using manager = await Manager();
    const queue = await manager.Queue<number>(2);
    await queue.put(1);
    await queue.putNowait(2);
    assert.equal(await queue.full(), true);
    await rejectsAs(queue.putNowait(3), Full, "Queue is full");
    await rejectsAs(
      queue.put(3, { timeout: 10 }),
      Full,
      "Queue is full",
    );
    assert.equal(await queue.qsize(), 2);
    assert.equal(await queue.get(), 1);
    assert.equal(await queue.getNowait(), 2);
    assert.equal(await queue.empty(), true);
    await rejectsAs(queue.get({ timeout: 10 }), Empty, "Queue is empty");
    const pending = queue.get();
    await queue.put(9);
    assert.equal(await pending, 9);
    const jobs = await manager.JoinableQueue<string>();
    await jobs.put("a");
    let joined = false;
    const join = jobs.join().then(() => joined = true);
    assert.equal(await jobs.get(), "a");
    assert.equal(joined, false);
    await jobs.taskDone();
    await join;
    assert.equal(joined, true);
  });

  test("ListProxy.append() from 4 processes × 1,000 concurrent calls keeps every item", async () => {
    await using manager = await Manager();
    const list = await manager.list<string>();
    const ps = [0, 1, 2, 3].map((who) =>
      new Process({
        target: targets.appendMany,
        args: [list, who, 1000],
        module,
      })
    );
    for (const p of ps) p.start();
    await Promise.all(ps.map((p) => p.join()));
    assert.deepEqual(ps.map((p) => p.exitCode), [0, 0, 0, 0]);
    const items = await list.toArray();
    assert.equal(items.length, 4000);
    assert.equal(new Set(items).size, 4000);
  });

  test("a Lock proxy makes read-modify-write exact across 4 processes", async () => {
    await using manager = await Manager();
    const lock = await manager.Lock();
    const value = await manager.Value("i", 0);
    const ps = [0, 1, 2, 3].map(() =>
      new Process({
        target: targets.lockedIncrements,
        args: [lock, value, 100],
        module,
      })
    );
    for (const p of ps) p.start();
    await Promise.all(ps.map((p) => p.join()));
    assert.deepEqual(ps.map((p) => p.exitCode), [0, 0, 0, 0]);
    assert.equal(await value.get(), 400);
  });

  test("Condition, Event and Barrier proxies synchronize processes", async () => {
    await using manager = await Manager();
    const cond = await manager.Condition();
    const flag = await manager.Value("i", 0);
    const event = await manager.Event();
    const barrier = await manager.Barrier(3);
    const log = await manager.list<string>();
    const ps = [0, 1].map(() =>
      new Process({
        target: targets.waitForAll,
        args: [cond, flag, event, barrier, log],
        module,
      })
    );
    for (const p of ps) p.start();
    await cond.acquire();
    await flag.set(1);
    await cond.notifyAll();
    await cond.release();
    while (await log.count("condition") < 2) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(await log.count("event"), 0);
    await event.set();
    while (await barrier.nWaiting() < 2) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(await log.count("barrier"), 0);
    assert.equal(await barrier.wait(), 2);
    await Promise.all(ps.map((p) => p.join(10_000)));
    assert.deepEqual(ps.map((p) => p.exitCode), [0, 0]);
    assert.deepEqual(await log.toArray(), [
      "condition",
      "condition",
      "event",
      "event",
      "barrier",
      "barrier",
    ]);
  });

  test("a bounded Queue proxy carries every item from 2 producer processes", async () => {
    await using manager = await Manager();
    const queue = await manager.Queue<number>(5);
    const ps = [1, 2].map((who) =>
      new Process({ target: targets.produce, args: [queue, who, 100], module })
    );
    for (const p of ps) p.start();
    const got: number[] = [];
    for (let i = 0; i < 200; i++) {
      got.push(await queue.get({ timeout: 10_000 }));
    }
    await Promise.all(ps.map((p) => p.join()));
    assert.deepEqual(ps.map((p) => p.exitCode), [0, 0]);
    const expected = [1, 2].flatMap((who) =>
      Array.from({ length: 100 }, (_, i) => who * 1000 + i)
    );
    assert.deepEqual([...got].sort((a, b) => a - b), expected);
    for (const who of [1, 2]) {
      const mine = got.filter((n) => Math.floor(n / 1000) === who);
      assert.deepEqual(mine, [...mine].sort((a, b) => a - b));
    }
    assert.equal(await queue.empty(), true);
  });

  test("a proxy stored in a dict proxy stays a proxy, here and in a child", async () => {
    await using manager = await Manager();
    const inner = await manager.list<string>(["first"]);
    const dict = await manager.dict<string, ListProxy<string>>();
    await dict.set("inner", inner);
    const back = await dict.get("inner");
    assert.ok(back instanceof ListProxy);
    assert.equal(back.id, inner.id);
    await back.append("second");
    const p = new Process({
      target: targets.appendNested,
      args: [dict],
      module,
    });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.deepEqual(await inner.toArray(), ["first", "second", "from child"]);
    const holder = await manager.list([1, inner]);
    assert.equal(await holder.index(inner), 1);
    await holder.remove(inner);
    assert.deepEqual(await holder.toArray(), [1]);
    const outer = await manager.list([inner, [inner]]);
    const [a, [b]] = await outer.toArray() as [ListProxy, [ListProxy]];
    assert.equal(await a.length(), 3);
    assert.equal(b.id, inner.id);
  });

  test("BaseProxy.decref() frees the object once no proxy refers to it", async () => {
    await using manager = await Manager();
    const list = await manager.list([1]);
    const token = {
      typeid: "list",
      id: list.id,
      address: manager.address,
      authkey: manager.authkey,
    };
    const second = new ListProxy(token);
    list.decref();
    await assert.rejects(list.length(), {
      name: "ProcessError",
      message: "Cannot call list.length(): the proxy was released",
    });
    assert.equal(await second.length(), 1);
    second.decref();
    const third = new ListProxy(token);
    await rejectsAs(
      third.length(),
      ReferenceError,
      `Cannot call method "length": no object with id ${token.id} (it was released)`,
    );
  });

  test("a child's references are dropped when it disconnects", async () => {
    await using manager = await Manager();
    const list = await manager.list<string>();
    const token = {
      typeid: "list",
      id: list.id,
      address: manager.address,
      authkey: manager.authkey,
    };
    const p = new Process({
      target: targets.appendMany,
      args: [list, 0, 1],
      module,
    });
    p.start();
    await p.join();
    list.decref();
    // Polls with fresh proxies until the server has noticed the child left.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new ListProxy(token);
      const gone = await probe.length().then(
        () => false,
        (error) => error instanceof ReferenceError,
      );
      probe.decref();
      if (gone) break;
      assert.ok(
        Date.now() < deadline,
        "the child's reference was never dropped",
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });

  test("BaseManager.register() serves a user class; private and unknown methods are refused", async () => {
    const manager = new BaseManager({ module })
      .register("Counter", targets.Counter)
      .register("makeCounter", targets.makeCounter);
    await manager.start();
    try {
      const counter = await manager.Counter(5);
      assert.equal(await counter.increment(), 6);
      assert.equal(await counter.increment(4), 10);
      const made = await manager.makeCounter(1);
      assert.equal(await made.increment(), 2);
      await rejectsAs(
        counter.fail("boom"),
        RangeError,
        "boom",
      );
      for (const method of ["_secret", "constructor", "nope", "count"]) {
        await rejectsAs(
          counter.callMethod(method),
          TypeError,
          `Cannot call Counter method: not exposed (only public methods, or those named by register's "exposed"), received "${method}"`,
        );
      }
      await rejectsAs(
        manager.create("Missing"),
        TypeError,
        'Cannot create object: unknown typeid, received "Missing"',
      );
    } finally {
      await manager.shutdown();
    }
  });

  test("a script that never shuts its manager down still exits", async () => {
    const { code, stdout } = await runFixture("manager_unclosed");
    assert.equal(code, 0);
    assert.equal(stdout, '["kept"]\n');
  });

  test("BaseManager rejects bad arguments and calls out of order", async () => {
    assert.throws(() => new BaseManager({ port: 1 } as never), {
      name: "TypeError",
      message:
        'Cannot create manager: unknown option "port" (known: address, authkey, module, debug, maxConnections), received 1',
    });
    assert.throws(
      () => new BaseManager({ address: { port: 70000 } }),
      {
        name: "RangeError",
        message:
          'Cannot create manager: "address.port" must be an integer from 0 to 65535, received 70000',
      },
    );
    const manager = new BaseManager();
    assert.throws(() => manager.register("no-dash", () => ({})), {
      name: "TypeError",
      message:
        'Cannot register manager type: typeid must be an identifier, received "no-dash"',
    });
    assert.throws(() => manager.register("start", () => ({})), {
      name: "TypeError",
      message:
        'Cannot register manager type: the name is taken by a manager member, received "start"',
    });
    await assert.rejects(manager.create("x"), ProcessError);
    await manager.shutdown();
    await manager.shutdown();
  });
});
