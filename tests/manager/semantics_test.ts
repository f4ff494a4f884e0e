// Python's semantics for manager proxies: errors keep their class, only
// exposed methods are callable, one typecode table for local and managed
// values, `__proto__` keys are data, bad arguments are refused in O(1),
// and a manager restarts as Python's does.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Array as LocalArray,
  BaseManager,
  BrokenBarrierError,
  Empty,
  Full,
  Manager,
  SyncManager,
  Value as LocalValue,
} from "../../mod.ts";
import { TYPECODE_LIST } from "../../lib/sharedctypes/_typecodes.ts";
import { ManagerClient } from "../../lib/manager/_client.ts";
import { CALL, CREATE } from "../../lib/manager/_protocol.ts";
import { fixture } from "../_helpers.ts";

const module = fixture("manager_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/manager_targets.ts");

/** What a call gave: its value, or its error's class name and message. */
async function outcome(call: () => unknown): Promise<unknown> {
  try {
    return { value: await call() };
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

describe("Manager: Python's semantics", () => {
  test("proxy calls reject with the class the local object throws, message intact, stack only in-process", async () => {
    await using manager = await Manager();
    const queue = await manager.Queue<number>(1);
    const barrier = await manager.Barrier(2);
    const list = await manager.list();
    type Case = [() => Promise<unknown>, new (m: string) => Error, string];
    const cases: Case[] = [
      [
        () => queue.get({ timeout: 10 }),
        Empty,
        "Queue is empty",
      ],
      [
        () => queue.put(1).then(() => queue.put(2, { timeout: 10 })),
        Full,
        "Queue is full",
      ],
      [() => barrier.wait(10), BrokenBarrierError, "Barrier is broken"],
      [() => list.pop(), RangeError, "Cannot pop from list: the list is empty"],
      [
        () => list.get("x" as never),
        TypeError,
        'Cannot get list item: index must be an integer, received "x"',
      ],
    ];
    for (const [call, Class, message] of cases) {
      await assert.rejects(call(), (error: Error) => {
        assert.ok(error instanceof Class, `${error} is a ${Class.name}`);
        assert.equal(error.name, Class.name);
        assert.equal(error.message, message);
        // The owner gets the server's stack.
        assert.match((error.cause as Error).stack!, /manager[/\\]_served/);
        return true;
      });
    }
    // A remote client gets the class and message, not the server's files.
    const remote = new ManagerClient(manager.address, manager.authkey);
    const id = await remote.request(CREATE, "Queue", []);
    await assert.rejects(
      remote.request(CALL, id, "get", [{ timeout: 10 }]),
      (error: Error) => {
        assert.ok(error instanceof Empty);
        assert.equal(error.message, "Queue is empty");
        assert.doesNotMatch(
          `${error.stack}\n${(error.cause as Error).stack}`,
          /manager[/\\]_/,
        );
        return true;
      },
    );
    await assert.rejects(remote.request(CREATE, "Nope", []), {
      name: "TypeError",
      message: 'Cannot create object: unknown typeid, received "Nope"',
    });
    remote.close();
  });

  test("a user class's error arrives as an Error with its name and own properties", async () => {
    await using manager = await new BaseManager({ module })
      .register("Counter", targets.Counter);
    await manager.start();
    const counter = await manager.Counter();
    await assert.rejects(counter.fail("boom"), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, "boom");
      assert.equal((error as Error & { code: string }).code, "E_COUNTER");
      return true;
    });
  });

  test("register(..., { exposed }) names the callable methods exactly; getters never run", async () => {
    await using manager = new BaseManager({ module })
      .register("Counter", targets.Counter, { exposed: ["_secret", "count"] })
      .register("Plain", targets.Counter);
    await manager.start();
    const counter = await manager.Counter();
    assert.equal(await counter.callMethod("_secret"), "hidden");
    const refused = (method: string) =>
      `Cannot call Counter method: not exposed (only public methods, or those named by register's "exposed"), received "${method}"`;
    for (const method of ["increment", "count", "constructor", "__proto__"]) {
      await assert.rejects(counter.callMethod(method), {
        name: "TypeError",
        message: refused(method),
      });
    }
    const plain = await manager.Plain();
    assert.equal(await plain.callMethod("increment"), 1);
    for (const method of ["_secret", "toString", "hasOwnProperty", "armed"]) {
      await assert.rejects(plain.callMethod(method), {
        name: "TypeError",
        message: refused(method).replace("Counter", "Plain"),
      });
    }
    assert.equal(await plain.callMethod("increment"), 2);
    assert.throws(
      () =>
        new BaseManager().register("X", targets.Counter, {
          exposed: ["constructor"],
        }),
      {
        name: "TypeError",
        message:
          'Cannot register manager type: "exposed" may not name constructor, received "constructor"',
      },
    );
  });

  test("one typecode table: managed Value and Array validate and store like local ones", async () => {
    await using manager = await Manager();
    const samples = [
      0,
      1,
      -1,
      1.5,
      300,
      2 ** 31,
      -(2 ** 31) - 1,
      5n,
      true,
      "a",
    ];
    for (const tc of [...TYPECODE_LIST, "z"]) {
      for (const v of samples) {
        const local = await outcome(() =>
          new LocalValue(tc as never, v as never).value
        );
        const managed = await outcome(async () =>
          await (await manager.Value(tc, v)).get()
        );
        assert.deepEqual(managed, local, `Value("${tc}", ${String(v)})`);
        const localArray = await outcome(() => {
          const array = new LocalArray(tc as "i", [v as number]);
          return array.get(0);
        });
        const managedArray = await outcome(async () =>
          await (await manager.Array(tc, [v as never])).get(0)
        );
        assert.deepEqual(
          managedArray,
          localArray,
          `Array("${tc}", [${String(v)}])`,
        );
      }
    }
    const array = await manager.Array("i", 2);
    const local = new LocalArray("i", 2);
    for (const v of [1.5, "x", 2 ** 40]) {
      assert.deepEqual(
        await outcome(() => array.set(0, v as never)),
        await outcome(() => local.set(0, v as never)),
      );
    }
  });

  test("__proto__ keys round-trip as data on every runtime and never break the connection", async () => {
    await using manager = await Manager();
    const ns = await manager.Namespace();
    await ns.set("__proto__", { polluted: true });
    const attrs = await ns.toObject();
    assert.deepEqual(
      Object.getOwnPropertyDescriptor(attrs, "__proto__")?.value,
      {
        polluted: true,
      },
    );
    assert.equal(Object.getPrototypeOf(attrs), Object.prototype);
    const dict = await manager.dict();
    await dict.set("__proto__", 1);
    const copy = await dict.toObject();
    assert.deepEqual(Object.keys(copy), ["__proto__"]);
    assert.equal(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value, 1);
    const list = await manager.list();
    const parsed = JSON.parse('{"__proto__": {"x": 1}, "a": 2}');
    await list.append(parsed);
    const [back] = await list.toArray() as Record<string, unknown>[];
    assert.deepEqual(Object.keys(back), ["__proto__", "a"]);
    assert.deepEqual(
      Object.getOwnPropertyDescriptor(back, "__proto__")?.value,
      { x: 1 },
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(await list.length(), 1);
  });

  test("Semaphore.release(n) validates n like the local Semaphore and never occupies the server", async () => {
    await using manager = await Manager();
    const sem = await manager.Semaphore(0);
    const cases: [unknown, string, string][] = [
      [
        "abc",
        "TypeError",
        'Cannot release Semaphore: n must be a number, received "abc"',
      ],
      [
        -5,
        "RangeError",
        "Cannot release Semaphore: n must be an integer of at least 1, received -5",
      ],
      [
        1.5,
        "RangeError",
        "Cannot release Semaphore: n must be an integer of at least 1, received 1.5",
      ],
      [
        Infinity,
        "RangeError",
        "Cannot release Semaphore: n must be an integer of at least 1, received Infinity",
      ],
      [
        2 ** 31,
        "RangeError",
        "Cannot release Semaphore: its value would pass 2147483647",
      ],
    ];
    for (const [n, name, message] of cases) {
      await assert.rejects(sem.callMethod("release", [n]), { name, message });
    }
    const waiter = sem.acquire();
    const started = performance.now();
    await sem.callMethod("release", [1e8]);
    assert.ok(performance.now() - started < 1_000);
    assert.equal(await waiter, true);
    assert.equal(await sem.callMethod("getValue"), 1e8 - 1);
    const bounded = await manager.BoundedSemaphore(2);
    await bounded.acquire();
    await assert.rejects(bounded.callMethod("release", [2]), {
      name: "RangeError",
      message:
        "Cannot release BoundedSemaphore: released more times than acquired",
    });
  });

  test("BaseManager restarts as Python's: start() after getServer(), a port reused at once, no start() after shutdown()", async () => {
    const manager = new SyncManager();
    const server = manager.getServer();
    await server.listen();
    server.shutdown();
    await manager.start();
    const list = await manager.list([1]);
    assert.equal(await list.length(), 1);
    const { port } = manager.address;
    await manager.shutdown();
    await assert.rejects(manager.start(), {
      name: "ProcessError",
      message:
        "Cannot start manager: it has shut down (a manager starts once; make a new one)",
    });
    const again = new SyncManager({ address: { port } });
    await again.start();
    assert.equal(again.address.port, port);
    assert.equal(await (await again.list([1, 2])).length(), 2);
    await again.shutdown();
  });

  test("an empty authkey is refused at construction", () => {
    for (const authkey of ["", new Uint8Array(0)]) {
      assert.throws(() => new BaseManager({ authkey }), {
        name: "RangeError",
        message:
          `Cannot create manager: "authkey" must not be empty, received ${
            typeof authkey === "string" ? '""' : "an object (Uint8Array)"
          }`,
      });
    }
  });

  test("Infinity and timeouts of 2^31 ms or more wait; negative ones do not", async () => {
    await using manager = await Manager();
    /** Resolves whether `promise` is still pending after `ms`. */
    const pending = (promise: Promise<unknown>, ms = 100) =>
      Promise.race([
        promise.then(() => false, () => false),
        new Promise((resolve) => setTimeout(() => resolve(true), ms)),
      ]);
    const lock = await manager.Lock();
    await lock.acquire();
    const acquiring = lock.acquire({ timeout: Infinity });
    const acquiringLong = lock.acquire({ timeout: 2 ** 31 });
    assert.equal(await pending(acquiring), true);
    assert.equal(await lock.acquire({ timeout: -1 }), false);
    await lock.release();
    assert.equal(await acquiring, true);
    await lock.release();
    assert.equal(await acquiringLong, true);
    const event = await manager.Event();
    const waiting = event.wait(Infinity);
    assert.equal(await pending(waiting), true);
    assert.equal(await event.wait(-1), false);
    await event.set();
    assert.equal(await waiting, true);
    const queue = await manager.Queue<string>();
    const getting = queue.get({ timeout: 2 ** 40 });
    assert.equal(await pending(getting), true);
    await assert.rejects(queue.get({ timeout: -5 }), Empty);
    await queue.put("late");
    assert.equal(await getting, "late");
    const barrier = await manager.Barrier(2);
    const first = barrier.wait(Infinity);
    assert.equal(await pending(first), true);
    assert.equal(await barrier.broken(), false);
    const indexes = await Promise.all([first, barrier.wait(2 ** 31)]);
    assert.deepEqual(indexes.sort(), [0, 1]);
  });
});
