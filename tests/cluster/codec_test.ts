import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeValue, encodeValue } from "../../lib/cluster/_codec.ts";

/** What a value becomes after a trip through BullMQ's JSON job data. */
function trip(value: unknown): unknown {
  const json = JSON.stringify({ data: encodeValue("value", value) });
  return decodeValue(JSON.parse(json).data);
}

describe("cluster codec", () => {
  test("long arrays of int32 numbers travel as int32 bytes and come back as plain arrays", () => {
    const items = Array.from({ length: 1000 }, (_, i) => i * 1000 - 2 ** 31);
    const encoded = encodeValue("items", items);
    assert.deepEqual(Object.keys(encoded), ["int32"]);
    const back = trip(items);
    assert.ok(Array.isArray(back));
    assert.deepEqual(back, items);
  });

  test("long arrays of other numbers travel as float64 bytes, -0, NaN and Infinity included", () => {
    const items = Array.from({ length: 300 }, (_, i) => i / 3);
    items.push(-0, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 31);
    assert.deepEqual(Object.keys(encodeValue("items", items)), ["float64"]);
    const back = trip(items) as number[];
    assert.equal(back.length, items.length);
    for (let i = 0; i < items.length; i++) {
      assert.ok(Object.is(back[i], items[i]));
    }
  });

  test("short or mixed arrays keep the JSON and MessagePack forms", () => {
    assert.deepEqual(encodeValue("items", [1, 2, 3]), { json: [1, 2, 3] });
    const mixed = Array.from({ length: 300 }, (_, i) => i === 7 ? "seven" : i);
    assert.deepEqual(Object.keys(encodeValue("items", mixed)), ["json"]);
    assert.deepEqual(trip(mixed), mixed);
    const bigints = Array.from({ length: 300 }, (_, i) => BigInt(i));
    assert.deepEqual(Object.keys(encodeValue("items", bigints)), ["packed"]);
    assert.deepEqual(trip(bigints), bigints);
  });
});
