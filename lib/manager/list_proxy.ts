/**
 * `ListProxy`: the proxy of `manager.list()`, like Python's `ListProxy`.
 *
 * @module
 */
import { proxyMakers, withDefaults } from "./_client.ts";
import { BaseProxy } from "./proxy.ts";
import { ProxyView } from "./proxy_view.ts";

/** How many items `for await` over a list proxy fetches per call. */
export const LIST_BATCH = 256;

/**
 * A proxy of a list on a manager server, like Python's `ListProxy`. Indexes
 * may be negative (from the end); equality is by value.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const list = await manager.list([3, 1]);
 * await list.append(2);
 * await list.sort();
 * assert.deepEqual(await list.toArray(), [1, 2, 3]);
 * assert.equal(await list.get(-1), 3);
 * const doubled: number[] = [];
 * for await (const x of list) doubled.push(x * 2);
 * assert.deepEqual(doubled, [2, 4, 6]);
 * ```
 */
export class ListProxy<T = unknown> extends BaseProxy {
  /** Adds `item` at the end. */
  async append(item: T): Promise<void> {
    await this.callMethod("append", [item]);
  }
  /** Adds every item of `items` at the end. */
  async extend(items: Iterable<T>): Promise<void> {
    await this.callMethod("extend", [[...items]]);
  }
  /** The item at `index` (negative counts from the end). @throws {RangeError} If out of range. */
  get(index: number): Promise<T> {
    return this.callMethod("get", [index]) as Promise<T>;
  }
  /** Replaces the item at `index`. @throws {RangeError} If out of range. */
  async set(index: number, item: T): Promise<void> {
    await this.callMethod("set", [index, item]);
  }
  /** Removes the item at `index`, like Python's `del l[i]`. */
  async delete(index: number): Promise<void> {
    await this.callMethod("delete", [index]);
  }
  /** Removes and returns the item at `index` (default: the last). */
  pop(index?: number): Promise<T> {
    return this.callMethod("pop", withDefaults(index)) as Promise<T>;
  }
  /** Inserts `item` before `index`. */
  async insert(index: number, item: T): Promise<void> {
    await this.callMethod("insert", [index, item]);
  }
  /** Removes the first item equal to `item`. @throws {RangeError} If none is. */
  async remove(item: T): Promise<void> {
    await this.callMethod("remove", [item]);
  }
  /** The index of the first item equal to `item`. @throws {RangeError} If none is. */
  index(item: T, start?: number, end?: number): Promise<number> {
    return this.callMethod("index", withDefaults(item, start, end)) as Promise<
      number
    >;
  }
  /** How many items equal `item`. */
  count(item: T): Promise<number> {
    return this.callMethod("count", [item]) as Promise<number>;
  }
  /** Whether an item equals `item`, like Python's `in`. */
  includes(item: T): Promise<boolean> {
    return this.callMethod("includes", [item]) as Promise<boolean>;
  }
  /** The number of items, like Python's `len()`. */
  length(): Promise<number> {
    return this.callMethod("length") as Promise<number>;
  }
  /** Sorts in place: numbers numerically, strings by code unit. */
  async sort(options?: { reverse?: boolean }): Promise<void> {
    await this.callMethod("sort", withDefaults(options));
  }
  /** Reverses in place. */
  async reverse(): Promise<void> {
    await this.callMethod("reverse");
  }
  /** Removes every item. */
  async clear(): Promise<void> {
    await this.callMethod("clear");
  }
  /** A copy of the items from `start` up to `end`, like `Array.slice`. */
  slice(start?: number, end?: number): Promise<T[]> {
    return this.callMethod("slice", withDefaults(start, end)) as Promise<T[]>;
  }
  /** A copy of every item. */
  toArray(): Promise<T[]> {
    return this.callMethod("toArray") as Promise<T[]>;
  }
  /** A copy of every item, like Python 3.14's `copy()`; same as `toArray()`. */
  copy(): Promise<T[]> {
    return this.callMethod("copy") as Promise<T[]>;
  }

  /** The items, last first, like Python's `reversed(l)`; the list is unchanged. */
  reversed(): ProxyView<T> {
    return ProxyView.of(this.callMethod("reversed") as Promise<T[]>);
  }

  /**
   * Yields the items, like Python's `for x in list_proxy`: fetched
   * {@linkcode LIST_BATCH} at a time as iteration goes, so it sees changes
   * made meanwhile to items it has not fetched yet.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (let start = 0;; start += LIST_BATCH) {
      const items = await this.slice(start, start + LIST_BATCH);
      yield* items;
      if (items.length < LIST_BATCH) return;
    }
  }
}

proxyMakers.set("list", (token) => new ListProxy(token));
