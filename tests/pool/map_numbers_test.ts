// Pool.map's numeric fast path (chunks of numbers travel as Float64Arrays):
// the results must be exactly those of Array.prototype.map.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pool } from "../../mod.ts";

const EDGES = [
  0,
  -0,
  NaN,
  Infinity,
  -Infinity,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  -(2 ** 60),
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  0.1,
  -1.5e-300,
];
/** The edge values again and again, so that they fall in many chunks. */
const numbers = Array.from(
  { length: 1_000 },
  (_, i) => EDGES[i % EDGES.length],
);

describe("Pool.map of numbers", () => {
  test("Pool.map() of numbers gives what Array.map gives, -0, NaN, ±Infinity and integers past 2⁵³ included", async () => {
    await using pool = new Pool(2);
    const same = (x: number) => x;
    const negate = (x: number) => -x;
    assert.deepStrictEqual(await pool.map(same, numbers), numbers);
    assert.deepStrictEqual(
      await pool.map(negate, numbers),
      numbers.map(negate),
    );
    for (const chunksize of [2, 7, 1_000]) {
      assert.deepStrictEqual(
        await pool.map(negate, numbers, { chunksize }),
        numbers.map(negate),
      );
    }
  });

  test("Pool.map() hands the function numbers, -0 as -0", async () => {
    await using pool = new Pool(2);
    const kind = (x: number) => Object.is(x, -0) ? "minus zero" : typeof x;
    assert.deepStrictEqual(await pool.map(kind, numbers), numbers.map(kind));
  });

  test("Pool.map() of numbers whose results turn into strings, promises or objects midway gives what Array.map gives", async () => {
    await using pool = new Pool(2);
    const items = Array.from({ length: 999 }, (_, i) => i - 500);
    const sometimes = (x: number) => x % 7 === 3 ? `s${x}` : x / 2;
    assert.deepStrictEqual(
      await pool.map(sometimes, items),
      items.map(sometimes),
    );
    const later = (x: number) => x % 5 === 0 ? Promise.resolve(x * 3) : x * 3;
    assert.deepStrictEqual(
      await pool.map(later, items),
      items.map((x) => x * 3),
    );
    const boxed = (x: number) => x === 250 ? { x } : x;
    assert.deepStrictEqual(await pool.map(boxed, items), items.map(boxed));
  });

  test("Pool.map() of mixed items takes the general path and gives what Array.map gives", async () => {
    await using pool = new Pool(2);
    const items = [1, "2", -0, null, 3n, [4], NaN, undefined, true, 2 ** 53];
    const describe = (x: unknown) =>
      Object.is(x, -0) ? "minus zero" : `${typeof x}:${String(x)}`;
    assert.deepStrictEqual(
      await pool.map(describe, items, { chunksize: 3 }),
      items.map(describe),
    );
  });
});
