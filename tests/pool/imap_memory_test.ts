// imap over long inputs: what it holds stays bounded however the consumer
// reads, and numbers travel as Float64Arrays without changing a result.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pool } from "../../mod.ts";
import { ImapJob } from "../../lib/pool/_imap.ts";

const CHUNKSIZE = 8;
const LIMIT = 16;

/** An ImapJob over the naturals whose chunks the test answers by hand. */
function handJob() {
  const pending: { index: number; items: number[] }[] = [];
  function* naturals(): Generator<number> {
    for (let i = 0;; i++) yield i;
  }
  const job = new ImapJob<number>(
    naturals(),
    (_job, index, _start, items) =>
      pending.push({ index, items: items as number[] }),
    { chunksize: CHUNKSIZE, ordered: true, limit: LIMIT, onDone: () => {} },
  );
  job.start();
  /** Answers the oldest chunk submitted with its items doubled. */
  const answerOne = () => {
    const { index, items } = pending.shift()!;
    job.resolveTask(index, items.map((x) => 2 * x));
  };
  return { job, answerOne };
}

describe("Pool.imap() memory", () => {
  test("ImapJob holds a bounded number of slots when its consumer never empties it", async () => {
    const { job, answerOne } = handJob();
    answerOne();
    answerOne();
    let expected = 0;
    const read = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const step = await job.next();
        assert.deepEqual(step, { value: 2 * expected++, done: false });
      }
    };
    await read(CHUNKSIZE);
    let most = 0;
    // One chunk arrives, one chunk's worth is read: a chunk always waits.
    for (let round = 0; round < 5_000; round++) {
      answerOne();
      await read(CHUNKSIZE);
      most = Math.max(most, job.retainedSlots);
    }
    assert.equal(expected, 5_001 * CHUNKSIZE);
    assert.ok(
      most <= 4 * LIMIT * CHUNKSIZE,
      `expected at most ${4 * LIMIT * CHUNKSIZE} slots held, received ${most}`,
    );
    await job.return();
  });
});

const EDGES = [0, -0, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53 + 2, 0.1];

describe("Pool.imap() of numbers", () => {
  test("Pool.imap() of numbers gives what Array.map gives, -0, NaN and integers past 2⁵³ included", async () => {
    await using pool = new Pool(2);
    const items = Array.from({ length: 500 }, (_, i) => EDGES[i % 8]);
    const negate = (x: number) => -x;
    for (const chunksize of [1, 3, 64]) {
      const seen: number[] = [];
      for await (const x of pool.imap(negate, items, { chunksize })) {
        seen.push(x);
      }
      assert.deepStrictEqual(seen, items.map(negate));
    }
  });

  test("Pool.imap() and imapUnordered() yield the lone item of a last chunk of one, numbers or not", async () => {
    await using pool = new Pool(2);
    const square = (x: number) => x * x;
    const label = (x: number) => `#${x}`;
    for (const [fn, items] of [[square, [5, 6, 7]], [label, [1, 2, 3, 4, 5]]]) {
      const f = fn as (x: number) => unknown;
      const expected = (items as number[]).map(f);
      for (const chunksize of [2, 4]) {
        const ordered: unknown[] = [];
        for await (const x of pool.imap(f, items as number[], { chunksize })) {
          ordered.push(x);
        }
        assert.deepStrictEqual(ordered, expected);
        const unordered: unknown[] = [];
        for await (
          const x of pool.imapUnordered(f, items as number[], { chunksize })
        ) unordered.push(x);
        assert.deepStrictEqual(
          unordered.map(String).sort(),
          expected.map(String).sort(),
        );
      }
    }
  });

  test("Pool.imap() of numbers whose results turn into strings midway gives what Array.map gives", async () => {
    await using pool = new Pool(2);
    const items = Array.from({ length: 300 }, (_, i) => i - 150);
    const sometimes = (x: number) => x % 7 === 3 ? `s${x}` : x / 2;
    const seen: unknown[] = [];
    for await (const x of pool.imap(sometimes, items, { chunksize: 16 })) {
      seen.push(x);
    }
    assert.deepStrictEqual(seen, items.map(sometimes));
    const unordered: unknown[] = [];
    for await (
      const x of pool.imapUnordered(sometimes, items, { chunksize: 16 })
    ) unordered.push(x);
    assert.deepStrictEqual(
      unordered.map(String).sort(),
      items.map(sometimes).map(String).sort(),
    );
  });
});
