// A thread puts and gets small items through reusable bytes (_scratch.ts):
// nothing a caller holds may change when the next item goes through.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Process, Queue } from "../../mod.ts";
import { fixture } from "../_helpers.ts";

const module = fixture("queue_order_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/queue_order_targets.ts");

describe("Queue through reusable bytes", () => {
  test("Queue.putAsync() that waits for room keeps its item while the thread puts others", async () => {
    const queue = new Queue(1);
    const other = new Queue();
    queue.put("first");
    const waiting = queue.putAsync({ id: 1, text: "kept" });
    other.put({ id: 2, text: "overwrites the outgoing bytes" });
    other.put("é".repeat(40));
    assert.equal(await queue.getAsync(), "first");
    await waiting;
    assert.deepEqual(await queue.getAsync(), { id: 1, text: "kept" });
    assert.deepEqual(other.get(), {
      id: 2,
      text: "overwrites the outgoing bytes",
    });
    assert.equal(other.get(), "é".repeat(40));
  });

  test("Queue.get() of a typed array keeps its bytes after the next get", () => {
    const queue = new Queue<Uint8Array | number[]>();
    queue.put(new Uint8Array([6, 6, 6]));
    queue.put(new Uint8Array([7, 7, 7]));
    queue.put([8, 8, 8]);
    const first = queue.get();
    const second = queue.get();
    assert.deepEqual(queue.get(), [8, 8, 8]);
    assert.deepEqual(first, new Uint8Array([6, 6, 6]));
    assert.deepEqual(second, new Uint8Array([7, 7, 7]));
  });

  test("Queue carries items of every size from 1 to 700 bytes exactly, ASCII or not, around its wrap", () => {
    const queue = new Queue();
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 700; n++) {
        const items = [
          "a".repeat(n),
          "é".repeat(n % 250),
          { n, text: "b".repeat(n) },
          [n, "😀".repeat(n % 100)],
        ];
        for (const item of items) queue.put(item);
        for (const item of items) assert.deepEqual(queue.get(), item);
      }
    }
    const match = /b(?<c>c)/.exec("abc")!;
    queue.put(match);
    const got = queue.get() as RegExpExecArray;
    assert.deepEqual([...got], ["bc", "c"]);
    assert.equal(got.index, 1);
    assert.deepEqual({ ...got.groups }, { c: "c" });
  });

  test("Queue stress: 2 producers and 2 consumers, 2 × 20,000 items of 1 to 100,000 bytes, each received once and in its producer's order", async () => {
    const queue = new Queue(64);
    const results = new Queue<{ got: number[][]; problem: string }>();
    const COUNT = 20_000;
    const run = (target: (...args: never[]) => unknown, args: unknown[]) => {
      const p = new Process({ target, args: args as never[], module });
      p.start();
      return p;
    };
    const consumers = [0, 1].map(() =>
      run(targets.consumeOrdered, [queue, results, 2])
    );
    const producers = [0, 1].map((producer) =>
      run(targets.produceOrdered, [queue, producer, COUNT])
    );
    const reports = [await results.getAsync(), await results.getAsync()];
    await Promise.all([...producers, ...consumers].map((p) => p.join()));
    assert.deepEqual(reports.map((r) => r.problem), ["", ""]);
    for (let producer = 0; producer < 2; producer++) {
      const seqs = reports.flatMap((r) => r.got[producer]).sort((a, b) =>
        a - b
      );
      assert.equal(seqs.length, COUNT);
      assert.ok(seqs.every((seq, i) => seq === i), `producer ${producer}`);
    }
    assert.equal(queue.empty(), true);
  });
});
