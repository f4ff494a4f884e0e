import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Empty,
  LIST_BATCH,
  Manager,
  ProxyView,
  SetProxy,
  ShutDown,
} from "../../mod.ts";

describe("Manager collections", () => {
  test("for await over a ListProxy yields every item in order, fetching in batches", async () => {
    await using manager = await Manager();
    const items = Array.from({ length: LIST_BATCH * 2 + 3 }, (_, i) => i);
    const list = await manager.list(items);
    const seen: number[] = [];
    for await (const x of list) seen.push(x);
    assert.deepEqual(seen, items);
    const empty = await manager.list<number>();
    for await (const _ of empty) assert.fail("an empty list yields nothing");
  });

  test("for await over a ListProxy sees changes to items it has not fetched yet (Python's live iteration)", async () => {
    await using manager = await Manager();
    const list = await manager.list(
      Array.from({ length: LIST_BATCH + 1 }, () => 0),
    );
    const iterator = list[Symbol.asyncIterator]();
    assert.deepEqual(await iterator.next(), { done: false, value: 0 });
    await list.set(LIST_BATCH, 100);
    let last = -1;
    for await (const x of { [Symbol.asyncIterator]: () => iterator }) last = x;
    assert.equal(last, 100);
  });

  test("DictProxy.items(), keys() and values() are awaitable and iterable with for await", async () => {
    await using manager = await Manager();
    const dict = await manager.dict<string, number>({ a: 1, b: 2, c: 3 });
    const pairs: [string, number][] = [];
    for await (const [k, v] of dict.items()) pairs.push([k, v]);
    assert.deepEqual(pairs, [["a", 1], ["b", 2], ["c", 3]]);
    const keys: string[] = [];
    for await (const k of dict.keys()) keys.push(k);
    assert.deepEqual(keys, ["a", "b", "c"]);
    let sum = 0;
    for await (const v of dict.values()) sum += v;
    assert.equal(sum, 6);
    const view = dict.items();
    assert.ok(view instanceof ProxyView);
    assert.ok(view instanceof Promise);
    assert.deepEqual(await view, [["a", 1], ["b", 2], ["c", 3]]);
    assert.deepEqual(await dict.keys().then((k) => k.length), 3);
    const inOrder: string[] = [];
    for await (const k of dict) inOrder.push(k);
    assert.deepEqual(inOrder, ["a", "b", "c"]);
  });

  test("DictProxy has Python 3.14's methods: union (|), update (|=), reversed, fromkeys, copy", async () => {
    await using manager = await Manager();
    const dict = await manager.dict<string | number, unknown>([["a", 1], [
      2,
      "two",
    ]]);
    const merged = await dict.union({ a: 10, z: 26 });
    assert.ok(merged instanceof Map);
    assert.deepEqual([...merged], [["a", 10], [2, "two"], ["z", 26]]);
    assert.deepEqual(await dict.toObject(), { a: 1, 2: "two" }); // unchanged
    assert.deepEqual(
      [...await dict.union(new Map([[3, true]]))],
      [["a", 1], [2, "two"], [3, true]],
    );
    await dict.update([["b", 2]]);
    assert.deepEqual(await dict.reversed(), ["b", 2, "a"]);
    const copy = await dict.copy();
    assert.deepEqual([...copy], [["a", 1], [2, "two"], ["b", 2]]);
    assert.equal(typeof [...copy.keys()][1], "number");
    const fresh = await dict.fromkeys(["x", 1]);
    assert.deepEqual([...fresh], [["x", null], [1, null]]);
    assert.deepEqual([...await dict.fromkeys(["y"], 0)], [["y", 0]]);
    assert.equal(await dict.length(), 3);
    await assert.rejects(dict.union(5 as never), {
      name: "TypeError",
      message:
        "Cannot update dict: expected an object, a Map or [key, value] pairs, received 5",
    });
    await assert.rejects(dict.fromkeys([{}] as never), {
      name: "TypeError",
      message:
        "Cannot make dict from keys: dict keys and set items must be strings, numbers, bigints, booleans or null, received an object (Object)",
    });
  });

  test("ListProxy.copy() (Python 3.14) and reversed() return the items", async () => {
    await using manager = await Manager();
    const list = await manager.list([1, [2]]);
    assert.deepEqual(await list.copy(), [1, [2]]);
    assert.deepEqual(await list.reversed(), [[2], 1]);
    const backwards: unknown[] = [];
    for await (const x of list.reversed()) backwards.push(x);
    assert.deepEqual(backwards, [[2], 1]);
    assert.deepEqual(await list.toArray(), [1, [2]]);
  });

  test("SyncManager.set() serves Python 3.14's set: add, discard, remove, pop, has, length, for await", async () => {
    await using manager = await Manager();
    const set = await manager.set<string>(["a", "b", "a"]);
    assert.ok(set instanceof SetProxy);
    assert.equal(set.typeid, "set");
    assert.equal(await set.length(), 2);
    await set.add("c");
    await set.add("a");
    assert.deepEqual(await set.toArray(), ["a", "b", "c"]);
    assert.equal(await set.has("b"), true);
    await set.discard("b");
    await set.discard("missing");
    assert.equal(await set.has("b"), false);
    await assert.rejects(set.remove("missing"), {
      name: "RangeError",
      message: 'Cannot remove from set: not in set, received "missing"',
    });
    assert.equal(await set.pop(), "a");
    const seen: string[] = [];
    for await (const item of set) seen.push(item);
    assert.deepEqual(seen, ["c"]);
    await set.clear();
    await assert.rejects(set.pop(), {
      name: "RangeError",
      message: "Cannot pop from set: the set is empty",
    });
    await assert.rejects((await manager.set()).add({} as never), {
      name: "TypeError",
      message:
        "Cannot add to set: dict keys and set items must be strings, numbers, bigints, booleans or null, received an object (Object)",
    });
    const numbers = await manager.set([1, 2n, true, null]);
    assert.deepEqual(await numbers.copy(), new Set([1, 2n, true, null]));
  });

  test("SetProxy's set algebra: union, intersection, difference, symmetric difference and their updates, subset tests", async () => {
    await using manager = await Manager();
    const set = await manager.set([1, 2, 3]);
    assert.deepEqual(
      await set.union([3, 4], new Set([5])),
      new Set([1, 2, 3, 4, 5]),
    );
    assert.deepEqual(
      await set.intersection([2, 3, 4], [3, 2]),
      new Set([2, 3]),
    );
    assert.deepEqual(await set.difference([1], [3]), new Set([2]));
    assert.deepEqual(await set.symmetricDifference([3, 4]), new Set([1, 2, 4]));
    assert.deepEqual(await set.toArray(), [1, 2, 3]); // unchanged
    assert.equal(await set.isSubset([1, 2, 3, 4]), true);
    assert.equal(await set.isSubset([1, 2]), false);
    assert.equal(await set.isSuperset([1, 3]), true);
    assert.equal(await set.isDisjoint([7, 8]), true);
    assert.equal(await set.isDisjoint([3]), false);
    await set.update([4], [5]);
    await set.differenceUpdate([1]);
    await set.intersectionUpdate([2, 3, 4, 5, 6]);
    await set.symmetricDifferenceUpdate([5, 6]);
    assert.deepEqual(await set.copy(), new Set([2, 3, 4, 6]));
  });

  test("AcquirerProxy.locked() tells whether a Lock or RLock is held (Python 3.14)", async () => {
    await using manager = await Manager();
    const lock = await manager.Lock();
    assert.equal(await lock.locked(), false);
    await lock.acquire();
    assert.equal(await lock.locked(), true);
    await lock.release();
    assert.equal(await lock.locked(), false);
    const rlock = await manager.RLock();
    await rlock.acquire();
    await rlock.acquire();
    assert.equal(await rlock.locked(), true);
    await rlock.release();
    assert.equal(await rlock.locked(), true);
    await rlock.release();
    assert.equal(await rlock.locked(), false);
    const semaphore = await manager.Semaphore(1);
    await assert.rejects(semaphore.locked(), {
      name: "TypeError",
      message: /^Cannot call Semaphore method: not exposed/,
    });
  });

  test("QueueProxy.shutdown() ends puts at once and gets once drained; waiting callers wake with ShutDown", async () => {
    await using manager = await Manager();
    const queue = await manager.Queue<number>();
    await queue.put(1);
    await queue.put(2);
    const waitingPut = await manager.Queue<number>(1);
    await waitingPut.put(0);
    const blockedPut = assert.rejects(waitingPut.put(1), ShutDown);
    await queue.shutdown();
    await assert.rejects(queue.put(3), {
      name: "ShutDown",
      message: "Cannot put item on Queue: it is shut down",
    });
    assert.equal(await queue.get(), 1);
    assert.equal(await queue.get(), 2);
    await assert.rejects(queue.get(), (error: unknown) => {
      assert.ok(error instanceof ShutDown);
      assert.equal(
        (error as Error).message,
        "Cannot get item from Queue: it is shut down and empty",
      );
      return true;
    });
    const empty = await manager.Queue<number>();
    const blockedGet = assert.rejects(empty.get(), ShutDown);
    await empty.shutdown();
    await blockedGet;
    await waitingPut.shutdown();
    await blockedPut;
    // Not shut down: an empty queue is still just Empty.
    await assert.rejects((await manager.Queue()).get({ block: false }), Empty);
  });

  test("QueueProxy.shutdown(true) drops what is left, counting it done for join()", async () => {
    await using manager = await Manager();
    const queue = await manager.JoinableQueue<string>();
    await queue.put("a");
    await queue.put("b");
    await queue.shutdown(true);
    await assert.rejects(queue.get(), {
      name: "ShutDown",
      message: "Cannot get item from Queue: it is shut down and empty",
    });
    assert.equal(await queue.qsize(), 0);
    await queue.join(); // returns: every dropped item counts as done
  });
});
