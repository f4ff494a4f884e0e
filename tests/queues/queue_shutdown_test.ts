import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Empty, JoinableQueue, Process, Queue, ShutDown } from "../../mod.ts";
import { fixture, sharedInts, waitUntil } from "../_helpers.ts";

const module = fixture("queue_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/queue_targets.ts");

describe("Queue.shutdown() (Python 3.13's queue.Queue semantics)", () => {
  test("after shutdown() put*() throws ShutDown and get*() drains what is left, then throws ShutDown", async () => {
    const queue = new Queue<number>();
    queue.put(1);
    queue.put(2);
    queue.put(3);
    queue.shutdown();
    const put = "Cannot put item on Queue: it is shut down";
    assert.throws(() => queue.put(4), { name: "ShutDown", message: put });
    assert.throws(() => queue.putNowait(4), ShutDown);
    await assert.rejects(queue.putAsync(4), ShutDown);
    assert.equal(queue.get(), 1);
    assert.equal(queue.getNowait(), 2);
    assert.equal(await queue.getAsync(), 3);
    const get = "Cannot get item from Queue: it is shut down and empty";
    assert.throws(() => queue.get(), { name: "ShutDown", message: get });
    assert.throws(() => queue.getNowait(), ShutDown);
    await assert.rejects(queue.getAsync({ timeout: 10 }), ShutDown);
    queue.shutdown(); // again: harmless
  });

  test("shutdown(true) drops what is left: get*() throws ShutDown at once and join() returns", async () => {
    const queue = new JoinableQueue<number>();
    for (let i = 0; i < 5; i++) queue.put(i);
    assert.equal(queue.get(), 0);
    queue.shutdown(true);
    assert.equal(queue.qsize(), 0);
    assert.throws(() => queue.get(), ShutDown);
    queue.taskDone(); // the item taken before the shutdown
    await queue.joinAsync(); // the four dropped items count as done
    assert.throws(() => queue.taskDone(), RangeError);
  });

  test("a shutdown wakes a worker blocked in get() and one blocked in put(), with ShutDown", async () => {
    for (const put of [false, true]) {
      const queue = new Queue(1);
      const cells = sharedInts();
      const p = new Process({
        target: targets.blockUntilShutDown,
        args: [queue, cells, put],
        module,
      });
      p.start();
      await waitUntil(() => Atomics.load(cells, 0) === 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      queue.shutdown();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal(Atomics.load(cells, 1), 1, put ? "put" : "get");
    }
  });

  test("a shutdown in one thread reaches getAsync() waiting on another", async () => {
    const queue = new Queue();
    const waiting = queue.getAsync({ timeout: 10_000 });
    const p = new Process({
      target: (q: Queue) => q.shutdown(),
      args: [queue],
    });
    p.start();
    await assert.rejects(waiting, {
      name: "ShutDown",
      message: "Cannot get item from Queue: it is shut down and empty",
    });
    await p.join();
    await assert.rejects(queue.getAsync({ timeout: 0 }), ShutDown);
    assert.throws(
      () => queue.getNowait(),
      (error) => !(error instanceof Empty),
    );
  });
});

describe("Queue.joinThread() and cancelJoinThread()", () => {
  test("joinThread() after close() returns at once (no feeder thread: put() writes to shared memory); before close() it throws", () => {
    const queue = new Queue();
    queue.put("in shared memory already");
    assert.throws(() => queue.joinThread(), {
      name: "ProcessError",
      message: "Cannot join the feeder thread of Queue: it is not closed",
    });
    queue.cancelJoinThread();
    queue.close();
    assert.equal(queue.joinThread(), undefined);
    assert.equal(queue.qsize(), 1);
  });
});
