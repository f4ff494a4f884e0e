import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MaybeEncodingError, Pool } from "../../mod.ts";

// Self-contained (sent as source text): returns a function for 2, which
// structured clone cannot send back.
const unsendableAt2 = (x: number): unknown => x === 2 ? function f() {} : x;

function assertEncodingError(error: unknown): true {
  assert.ok(error instanceof MaybeEncodingError);
  assert.equal(typeof error.exc, "string");
  assert.equal(typeof error.value, "string");
  const reason = error.message.match(
    /^Cannot send a task's result back to the pool: function f could not be cloned \((.+)\)$/,
  )?.[1];
  assert.ok(reason, error.message);
  // The error's text, as Python's repr(exc): its name and the runtime's
  // message (each runtime words it differently).
  assert.equal(error.exc, `DataCloneError: ${reason}`);
  // A description of the value that could not be sent.
  assert.equal(error.value, "function f");
  return true;
}

describe("MaybeEncodingError", () => {
  test("Pool.applyAsync() of a result that cannot be cloned fills exc and value", async () => {
    await using pool = new Pool(1);
    await assert.rejects(
      pool.applyAsync(unsendableAt2, [2]).get(),
      assertEncodingError,
    );
    assert.equal(await pool.applyAsync(unsendableAt2, [3]).get(), 3);
  });

  test("Pool.map() with a result that cannot be cloned fills exc and value", async () => {
    await using pool = new Pool(2);
    await assert.rejects(
      pool.map(unsendableAt2, [1, 2, 3, 4], { chunksize: 2 }),
      assertEncodingError,
    );
    assert.deepEqual(await pool.map(unsendableAt2, [1, 3]), [1, 3]);
  });
});
