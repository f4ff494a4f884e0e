import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Array as MpArray,
  Lock,
  Process,
  RawArray,
  RLock,
  SharedArray,
} from "../../mod.ts";
import { fixture } from "../_helpers.ts";

const module = fixture("sync_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/sync_targets.ts");

describe("Array", () => {
  test("Array is SharedArray, and indexes, iterates and spreads natively", () => {
    assert.equal(MpArray, SharedArray);
    const arr = new SharedArray("i", [1, 2, 3]);
    assert.ok(arr instanceof Int32Array);
    assert.ok(arr instanceof SharedArray);
    assert.ok(arr instanceof RawArray);
    assert.ok(!(new RawArray("i", 1) instanceof SharedArray));
    assert.ok(!(new Int32Array(1) instanceof RawArray));
    assert.ok(arr.buffer instanceof SharedArrayBuffer);
    arr[0] = 5;
    assert.equal(arr.length, 3);
    assert.deepEqual([...arr], [5, 2, 3]);
    assert.deepEqual(globalThis.Array.from(arr), [5, 2, 3]);
    const seen: number[] = [];
    for (const x of arr) seen.push(x);
    assert.deepEqual(seen, [5, 2, 3]);
    assert.equal(arr.typecode, "i");
    assert.deepEqual([...arr.map((x) => x * 2)], [10, 4, 6]);
    assert.equal(arr.slice(1).constructor, Int32Array);
  });

  test("Array from a size is zeroed; every typecode picks its typed array", () => {
    assert.deepEqual([...new SharedArray("d", 2)], [0, 0]);
    assert.deepEqual([...new RawArray("q", [1n, -2n])], [1n, -2n]);
    assert.ok(new RawArray("Q", 1) instanceof BigUint64Array);
    assert.ok(new RawArray("f", 1) instanceof Float32Array);
    assert.ok(new RawArray("h", 1) instanceof Int16Array);
    assert.ok(new RawArray("c", [104, 105]) instanceof Uint8Array);
    const flags = new RawArray("?", [true, false]);
    assert.deepEqual([...flags], [1, 0]);
    assert.equal(flags.get(0), true);
    flags.set(1, true);
    assert.equal(flags.get(1), true);
    assert.equal(new SharedArray("i", 0).length, 0);
  });

  test("Array.get() and set() check the index and value; negative indexes count from the end", () => {
    const arr = new SharedArray("B", [1, 2, 3]);
    assert.equal(arr.get(-1), 3);
    arr.set(-3, 9);
    assert.equal(arr[0], 9);
    arr.set([7, 8], 1); // the typed array's own set
    assert.deepEqual([...arr], [9, 7, 8]);
  });

  test("Array lock option: true or null makes an RLock, a lock is shared, false gives a RawArray", () => {
    assert.ok(new SharedArray("i", 1).getLock() instanceof RLock);
    const byDefault = new SharedArray("i", [3, 4], { lock: null });
    assert.ok(byDefault.getLock() instanceof RLock);
    assert.deepEqual([...byDefault], [3, 4]);
    const lock = new Lock();
    const arr = new SharedArray("i", 2, { lock });
    assert.equal(arr.getLock(), lock);
    const raw = new SharedArray("i", 2, { lock: false });
    assert.equal("getLock" in raw, false);
    const obj = arr.getObj();
    obj[1] = 4;
    assert.equal(arr[1], 4);
    assert.equal("getLock" in obj, false);
  });

  test("Array passed to a Process arrives as the same memory with the same lock", async () => {
    const arr = new SharedArray("i", 5);
    const p = new Process({ target: targets.fillTens, args: [arr], module });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.deepEqual([...arr], [0, 10, 20, 30, 40]);
    const raw = new RawArray("d", [0.5]);
    const q = new Process({
      target: (a: RawArray<"d">) => {
        a[0] += a.get(0);
      },
      args: [raw],
    });
    q.start();
    await q.join();
    assert.equal(raw[0], 1);
  });
});

describe("Array bad input", () => {
  test("Array.get() and set() reject an index out of range or not an integer", () => {
    const arr = new SharedArray("i", 3);
    assert.throws(() => arr.get(3), {
      name: "RangeError",
      message:
        "Cannot get item of Array: index must be from -3 to 2, received 3",
    });
    assert.throws(() => arr.set(-4, 1), {
      name: "RangeError",
      message:
        "Cannot set item of Array: index must be from -3 to 2, received -4",
    });
    assert.throws(() => arr.get(1.5), {
      name: "TypeError",
      message:
        "Cannot get item of Array: index must be an integer, received 1.5",
    });
    assert.throws(() => arr.set(0, "1" as never), {
      name: "TypeError",
      message:
        'Cannot set item of Array: typecode "i" holds numbers, received "1"',
    });
    assert.deepEqual([...arr], [0, 0, 0]);
  });

  test("new Array() rejects an unknown typecode, a bad size, bad items and a bad lock", () => {
    assert.throws(() => new SharedArray("z" as never, 1), {
      name: "TypeError",
      message:
        'Cannot create Array: unknown typecode (valid: b B h H i I l L q Q f d c ?), received "z"',
    });
    assert.throws(() => new RawArray("i", -1), {
      name: "RangeError",
      message:
        "Cannot create RawArray: size must be an integer >= 0, received -1",
    });
    assert.throws(() => new SharedArray("i", 2 ** 40), {
      name: "RangeError",
      message:
        'Cannot create Array: 1099511627776 items of typecode "i" need 4398046511104 bytes of shared memory, which could not be allocated, received 1099511627776',
    });
    assert.throws(() => new RawArray("d", 2 ** 50), {
      name: "RangeError",
      message:
        'Cannot create RawArray: 1125899906842624 items of typecode "d" need 9007199254740992 bytes of shared memory, which could not be allocated, received 1125899906842624',
    });
    assert.throws(() => new SharedArray("i", null as never), {
      name: "TypeError",
      message:
        "Cannot create Array: sizeOrItems must be a size or an iterable, received null",
    });
    assert.throws(() => new SharedArray("b", [1, 200]), {
      name: "RangeError",
      message:
        'Cannot create Array: typecode "b" holds integers from -128 to 127, received 200',
    });
    assert.throws(() => new SharedArray("i", 1, { lock: "yes" as never }), {
      name: "TypeError",
      message:
        'Cannot create Array: "lock" must be a boolean, null, a Lock or an RLock, received "yes"',
    });
  });
});
