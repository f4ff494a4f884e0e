import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pool } from "../../mod.ts";

const square = (x: number) => x * x;

/** Yields `count` numbers from 1, then throws. */
function* breaking(count: number): Generator<number> {
  for (let i = 1; i <= count; i++) yield i;
  throw new Error("input broke");
}

/** Reads `iterator` to its end; errors become `Error: message` strings. */
async function drain(iterator: AsyncIterator<number>): Promise<unknown[]> {
  const seen: unknown[] = [];
  while (true) {
    try {
      const step = await iterator.next();
      if (step.done) return seen;
      seen.push(step.value);
    } catch (error) {
      seen.push(`Error: ${(error as Error).message}`);
    }
  }
}

describe("Pool.imap() over a failing input", () => {
  test("Pool.imap() yields complete chunks only, then the input's error", async () => {
    await using pool = new Pool(2);
    assert.deepEqual(
      await drain(pool.imap(square, breaking(5), { chunksize: 2 })),
      [1, 4, 9, 16, "Error: input broke"],
    );
    assert.deepEqual(
      await drain(pool.imap(square, breaking(3), { chunksize: 1 })),
      [1, 4, 9, "Error: input broke"],
    );
    assert.deepEqual(
      await drain(pool.imap(square, breaking(1), { chunksize: 4 })),
      ["Error: input broke"],
    );
  });

  test("Pool.imapUnordered() yields complete chunks only, then the input's error", async () => {
    await using pool = new Pool(2);
    const seen = await drain(
      pool.imapUnordered(square, breaking(7), { chunksize: 3 }),
    );
    assert.equal(seen.at(-1), "Error: input broke");
    assert.deepEqual(
      seen.slice(0, -1).sort((a, b) => (a as number) - (b as number)),
      [1, 4, 9, 16, 25, 36],
    );
  });

  test("Pool.imap() over an async input that throws yields complete chunks only", async () => {
    await using pool = new Pool(2);
    async function* items(): AsyncGenerator<number> {
      yield* breaking(5);
    }
    assert.deepEqual(
      await drain(pool.imap(square, items(), { chunksize: 2 })),
      [1, 4, 9, 16, "Error: input broke"],
    );
  });
});
