import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  FileExistsError,
  FileNotFoundError,
  Pool,
  Process,
  ShareableList,
} from "../../mod.ts";
import { fixture, runProcesses } from "../_helpers.ts";

const module = fixture("shared_memory_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/shared_memory_targets.ts");

const bytes = (...values: number[]) => new Uint8Array(values);

describe("ShareableList", () => {
  test("ShareableList holds Python's item types with Python's formats and sizes", () => {
    using list = new ShareableList([
      "howdy",
      bytes(1, 2, 3),
      42,
      -273.154,
      100,
      null,
      false,
      true,
      2n ** 62n,
      "",
    ]);
    assert.equal(list.length, 10);
    assert.deepEqual(list.toArray(), [
      "howdy",
      bytes(1, 2, 3),
      42,
      -273.154,
      100,
      null,
      false,
      true,
      2n ** 62n,
      "",
    ]);
    assert.equal(
      list.format,
      "8s8sqdq" + "xxxxxx?x" + "xxxxxxx?".repeat(2) + "q8s",
    );
    // Python's layout: 8 (count) + 11 × 8 (offsets) + 80 (data)
    // + 10 × 8 (formats) + 10 (codes).
    assert.equal(list.shm.size, 8 + 88 + 80 + 80 + 10);
    using long = new ShareableList(["a".repeat(8), "b".repeat(15), "ü"]);
    assert.equal(long.format, "16s16s8s");
    list.shm.unlink();
    long.shm.unlink();
  });

  test("ShareableList.get() and set() follow Python: negative indexes, slot sizes, type changes", () => {
    using list = new ShareableList(["howdy", 42, 3.5, null, true]);
    assert.equal(list.get(-1), true);
    assert.equal(list.get(-5), "howdy");
    list.set(0, "12345678"); // exactly the slot's 8 bytes
    assert.equal(list.get(0), "12345678");
    assert.throws(() => list.set(0, "123456789"), {
      name: "RangeError",
      message:
        "Cannot set ShareableList item: bytes/str item exceeds available storage (8 bytes), received 9 bytes",
    });
    list.set(1, "hi"); // a number's 8 bytes take a short string
    assert.equal(list.get(1), "hi");
    assert.equal(list.format.slice(0, 4), "8s8s");
    list.set(1, 7n);
    assert.equal(list.get(1), 7n);
    list.set(2, null);
    list.set(3, -0.5);
    list.set(4, false);
    assert.deepEqual(list.toArray(), ["12345678", 7n, null, -0.5, false]);
    list.set(0, bytes(0, 1, 0));
    assert.deepEqual(list.get(0), bytes(0, 1)); // trailing NULs dropped, as in Python
    assert.throws(() => list.get(5), {
      name: "RangeError",
      message: "index out of range, received 5",
    });
    assert.throws(() => list.set(-6, 1), {
      name: "RangeError",
      message: "assignment index out of range, received -6",
    });
    assert.throws(() => list.set(0, [1] as never), {
      name: "TypeError",
      message:
        "Cannot set ShareableList item: item 0 must be a number, bigint, boolean, string, Uint8Array or null, received an array of length 1",
    });
    assert.throws(() => new ShareableList([2n ** 63n]), {
      name: "RangeError",
      message:
        "Cannot create ShareableList: item 0 must fit in 64 bits, received 9223372036854775808n",
    });
    assert.throws(() => new ShareableList([1, undefined as never]), {
      name: "TypeError",
      message: /^Cannot create ShareableList: item 1 must be a number/,
    });
    list.shm.unlink();
  });

  test("ShareableList.count() and index() compare values; an empty list works", () => {
    using list = new ShareableList([1, "a", 1, bytes(5), NaN]);
    assert.equal(list.count(1), 2);
    assert.equal(list.count(bytes(5)), 1);
    assert.equal(list.index("a"), 1);
    assert.equal(list.index(NaN), 4);
    assert.throws(() => list.index(2), {
      name: "RangeError",
      message: "Cannot find item: 2 is not in this ShareableList",
    });
    using empty = new ShareableList();
    assert.equal(empty.length, 0);
    assert.deepEqual([...empty], []);
    assert.equal(empty.format, "");
    list.shm.unlink();
    empty.shm.unlink();
  });

  test("ShareableList attaches by name, and a name given with a sequence creates", () => {
    const name = `sl_${Math.random().toString(36).slice(2, 10)}`;
    using list = new ShareableList([1, "two", 3.5], { name });
    assert.equal(list.shm.name, name);
    using same = new ShareableList(null, { name });
    same.set(0, 10);
    assert.equal(list.get(0), 10);
    assert.equal(same.format, list.format);
    assert.throws(() => new ShareableList([1], { name }), FileExistsError);
    list.shm.unlink();
    assert.throws(
      () => new ShareableList(undefined, { name }),
      FileNotFoundError,
    );
  });

  test("ShareableList reaches workers as an object and by name", async () => {
    using list = new ShareableList(["start", 1, 10, 100]);
    await runProcesses(1, () =>
      new Process({
        target: targets.bumpList,
        args: [list, "proc"],
        module,
      }));
    assert.deepEqual(list.toArray(), ["proc", 2, 11, 101]);
    {
      await using pool = new Pool(1, { module }); // one writer at a time: no lock
      await pool.starmap(targets.bumpList, [
        [list.shm.name, "pool"],
        [list.shm.name, "pool"],
      ], { chunksize: 1 });
    }
    assert.deepEqual(list.toArray(), ["pool", 4, 13, 103]);
    list.shm.unlink();
  });
});
