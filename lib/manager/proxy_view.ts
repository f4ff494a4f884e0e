/**
 * `ProxyView`: what a dict or set proxy's `keys()`, `values()` and
 * `items()` return — a Promise of the array that `for await` also walks.
 *
 * @module
 */

/**
 * A Promise of a proxy's items, fetched in one call, that can also be
 * iterated with `for await`, like iterating Python's `d.items()` on a
 * dict proxy.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const dict = await manager.dict({ a: 1, b: 2 });
 * const seen: string[] = [];
 * for await (const [key, value] of dict.items()) seen.push(`${key}=${value}`);
 * assert.deepEqual(seen, ["a=1", "b=2"]);
 * assert.deepEqual(await dict.keys(), ["a", "b"]);
 * ```
 */
export class ProxyView<T> extends Promise<T[]> implements AsyncIterable<T> {
  /** `then`, `catch` and `finally` make plain Promises. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /** The view of what `items` resolves. */
  static of<T>(items: Promise<T[]>): ProxyView<T> {
    return new ProxyView<T>((resolve, reject) => items.then(resolve, reject));
  }

  /** Yields each item once they have arrived. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    yield* await this;
  }
}
