import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pipe, Process, Queue, wait } from "../mod.ts";
import { fixture, sharedInts } from "./_helpers.ts";

const module = fixture("targets");
const targets = await import(
  module.href
) as typeof import("./fixtures/targets.ts");

describe("wait()", () => {
  test("wait() resolves with the connections that have data, in the order given", async () => {
    const [a1, a2] = Pipe();
    const [b1, b2] = Pipe();
    const [c1, c2] = Pipe();
    b2.send("b");
    c2.send("c");
    assert.deepEqual(await wait([a1, b1, c1], 5000), [b1, c1]);
    assert.equal(b1.recv(), "b");
    for (const end of [a1, a2, b1, b2, c1, c2]) end.close();
  });

  test("wait() wakes when data arrives later, without waiting for the timeout", async () => {
    const [a1, a2] = Pipe();
    const [b1, b2] = Pipe();
    setTimeout(() => b2.send("late"), 100);
    const started = performance.now();
    assert.deepEqual(await wait([a1, b1], 10_000), [b1]);
    assert.ok(performance.now() - started < 5000);
    for (const end of [a1, a2, b1, b2]) end.close();
  });

  test("wait() counts end-of-file as ready", async () => {
    const [a1, a2] = Pipe();
    a2.close();
    assert.deepEqual(await wait([a1], 5000), [a1]);
    a1.close();
  });

  test("wait() resolves [] after the timeout, and at once for 0 or a negative one", async () => {
    const [a1, a2] = Pipe();
    let started = performance.now();
    assert.deepEqual(await wait([a1], 100), []);
    const took = performance.now() - started;
    assert.ok(took >= 95 && took < 2000, `took ${took} ms`);
    started = performance.now();
    assert.deepEqual(await wait([a1], -1), []);
    assert.deepEqual(await wait([a1], 0), []);
    assert.ok(performance.now() - started < 1000);
    a2.send(1);
    assert.deepEqual(await wait([a1], 0), [a1]);
    assert.deepEqual(await wait([], 50), []);
    a1.close();
    a2.close();
  });

  test("wait() watches Process sentinels: the child that ended first is ready", async () => {
    const shared = sharedInts();
    const slow = new Process({ target: targets.spin, args: [shared], module });
    const fast = new Process({ target: () => {} });
    slow.start();
    fast.start();
    assert.deepEqual(await wait([slow.sentinel, fast.sentinel], 10_000), [
      fast.sentinel,
    ]);
    assert.equal(fast.exitCode, 0);
    assert.equal(slow.isAlive(), true);
    Atomics.store(shared, 0, 1);
    assert.deepEqual(await wait([slow.sentinel], 10_000), [slow.sentinel]);
    assert.equal(slow.exitCode, 0);
  });

  test("wait() watches a Queue without taking its item", async () => {
    const q = new Queue<string>();
    const [a1, a2] = Pipe();
    assert.deepEqual(await wait([q, a1], 50), []);
    await q.putAsync("x");
    assert.deepEqual(await wait([q, a1], 5000), [q]);
    assert.equal(await q.getAsync({ timeout: 1000 }), "x");
    a1.close();
    a2.close();
  });

  test("wait() rejects what it cannot watch", async () => {
    await assert.rejects(wait([42 as never], 10), {
      name: "TypeError",
      message:
        "Cannot wait for objects: objects[0] must be a Connection, a Queue or a promise such as Process.sentinel, received 42",
    });
    await assert.rejects(wait([]), {
      name: "TypeError",
      message:
        "Cannot wait for objects: no objects and no timeout would wait forever, received []",
    });
    await assert.rejects(wait([], "1" as never), {
      name: "TypeError",
      message:
        'Cannot wait for objects: timeout must be a number of milliseconds, received "1"',
    });
  });
});
