// Unit tests of the shared-memory byte ring behind Queue and Pipe.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  initRing,
  READER_GONE,
  Ring,
  ringLength,
  WRITER_GONE,
} from "../../lib/queues/_ring.ts";

function ring(capacity = 64, limit = 0x7fffffff): Ring {
  const cells = new Int32Array(
    new SharedArrayBuffer(ringLength(capacity) * 4),
  );
  initRing(cells, limit);
  return new Ring(cells);
}

const bytes = (...values: number[]) => new Uint8Array(values);

describe("Ring", () => {
  test("Ring.put() and get() carry messages whole and in order", () => {
    const r = ring();
    assert.equal(r.put(bytes(1, 2, 3), Infinity), null);
    assert.equal(r.put(bytes(), Infinity), null);
    assert.equal(r.put(bytes(9), Infinity), null);
    assert.equal(r.items, 3);
    assert.deepEqual(r.get(Infinity), bytes(1, 2, 3));
    assert.deepEqual(r.get(Infinity), bytes());
    assert.deepEqual(r.get(Infinity), bytes(9));
    assert.equal(r.items, 0);
  });

  test("Ring.get() on an empty ring gives up at its deadline", () => {
    const r = ring();
    const started = performance.now();
    assert.equal(r.get(performance.now() + 20), "timeout");
    assert.ok(performance.now() - started >= 15);
  });

  test("Ring.put() refuses past the message limit until a get makes room", () => {
    const r = ring(64, 2);
    assert.equal(r.limit, 2);
    assert.equal(r.put(bytes(1), Infinity), null);
    assert.equal(r.put(bytes(2), Infinity), null);
    assert.equal(r.put(bytes(3), performance.now()), "timeout");
    assert.deepEqual(r.get(Infinity), bytes(1));
    assert.equal(r.put(bytes(3), performance.now()), null);
    assert.deepEqual(r.get(Infinity), bytes(2));
    assert.deepEqual(r.get(Infinity), bytes(3));
  });

  test("Ring wraps around its end many times without tearing a message", () => {
    const r = ring(64);
    for (let i = 0; i < 1_000; i++) {
      const message = Uint8Array.from(
        { length: (i % 40) + 1 },
        (_, j) => i + j,
      );
      assert.equal(r.put(message, Infinity), null);
      assert.deepEqual(r.get(Infinity), message);
    }
  });

  test("Ring streams a message larger than itself to an async reader", async () => {
    const r = ring(64);
    const big = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);
    const received = r.getAsync(Infinity);
    assert.equal(await r.putAsync(big, Infinity), null);
    assert.deepEqual(await received, big);
  });

  test("Ring.close() wakes waiters, which see 'closed'", async () => {
    const r = ring();
    const reader = r.getAsync(Infinity);
    r.close(WRITER_GONE);
    assert.equal(await reader, "closed");
    const full = ring(64, 1);
    full.put(bytes(1), Infinity);
    const writer = full.putAsync(bytes(2), Infinity);
    full.close(READER_GONE);
    assert.equal(await writer, "closed");
  });
});
