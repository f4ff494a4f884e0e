/**
 * `SetProxy`: the proxy of `manager.set()`, like Python 3.14's `SetProxy`.
 *
 * @module
 */
import { proxyMakers } from "./_client.ts";
import { BaseProxy } from "./proxy.ts";
import { ProxyView } from "./proxy_view.ts";

/** What a managed set may hold: values it can compare by value. */
export type SetItem = string | number | bigint | boolean | null;

const arrays = (others: Iterable<unknown>[]) => others.map((o) => [...o]);

/**
 * A proxy of a set on a manager server, like Python 3.14's `SetProxy`:
 * items are strings, numbers, bigints, booleans or null, kept in insertion
 * order. Operations that make a new set (`union`, `intersection`, …)
 * resolve a local `Set` and leave this one unchanged; the `…Update` forms
 * change it, as Python's `|=`, `&=`, `-=` and `^=` do.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const set = await manager.set(["a", "b"]);
 * await set.add("c");
 * assert.equal(await set.has("c"), true);
 * assert.deepEqual(await set.intersection(["b", "c", "d"]), new Set(["b", "c"]));
 * const seen: string[] = [];
 * for await (const item of set) seen.push(item);
 * assert.deepEqual(seen, ["a", "b", "c"]);
 * ```
 */
export class SetProxy<T extends SetItem = SetItem> extends BaseProxy {
  /** Adds `item`. */
  async add(item: T): Promise<void> {
    await this.callMethod("add", [item]);
  }
  /** Removes `item` if present. */
  async discard(item: T): Promise<void> {
    await this.callMethod("discard", [item]);
  }
  /** Removes `item`. @throws {RangeError} If it is not present (Python's `KeyError`). */
  async remove(item: T): Promise<void> {
    await this.callMethod("remove", [item]);
  }
  /** Removes and returns the oldest item. @throws {RangeError} If the set is empty. */
  pop(): Promise<T> {
    return this.callMethod("pop") as Promise<T>;
  }
  /** Removes every item. */
  async clear(): Promise<void> {
    await this.callMethod("clear");
  }
  /** Whether `item` is present, like Python's `in`. */
  has(item: T): Promise<boolean> {
    return this.callMethod("has", [item]) as Promise<boolean>;
  }
  /** The number of items, like Python's `len()`. */
  length(): Promise<number> {
    return this.callMethod("length") as Promise<number>;
  }
  /** The items, in insertion order; `for await` walks them too. */
  toArray(): ProxyView<T> {
    return ProxyView.of(this.callMethod("toArray") as Promise<T[]>);
  }
  /** A local copy, like Python's `copy()`. */
  copy(): Promise<Set<T>> {
    return this.callMethod("copy") as Promise<Set<T>>;
  }
  /** Adds the items of every iterable, like Python's `update` and `|=`. */
  async update(...others: Iterable<T>[]): Promise<void> {
    await this.callMethod("update", arrays(others));
  }
  /** Keeps the items in every iterable, like Python's `&=`. */
  async intersectionUpdate(...others: Iterable<unknown>[]): Promise<void> {
    await this.callMethod("intersectionUpdate", arrays(others));
  }
  /** Removes the items of every iterable, like Python's `-=`. */
  async differenceUpdate(...others: Iterable<unknown>[]): Promise<void> {
    await this.callMethod("differenceUpdate", arrays(others));
  }
  /** Keeps the items in exactly one of the two, like Python's `^=`. */
  async symmetricDifferenceUpdate(other: Iterable<T>): Promise<void> {
    await this.callMethod("symmetricDifferenceUpdate", [[...other]]);
  }
  /** A new set of these items and every iterable's, like Python's `|`. */
  union<U extends SetItem = T>(...others: Iterable<U>[]): Promise<Set<T | U>> {
    return this.callMethod("union", arrays(others)) as Promise<Set<T | U>>;
  }
  /** A new set of the items also in every iterable, like Python's `&`. */
  intersection(...others: Iterable<unknown>[]): Promise<Set<T>> {
    return this.callMethod("intersection", arrays(others)) as Promise<Set<T>>;
  }
  /** A new set of the items in no iterable, like Python's `-`. */
  difference(...others: Iterable<unknown>[]): Promise<Set<T>> {
    return this.callMethod("difference", arrays(others)) as Promise<Set<T>>;
  }
  /** A new set of the items in exactly one of the two, like Python's `^`. */
  symmetricDifference<U extends SetItem = T>(
    other: Iterable<U>,
  ): Promise<Set<T | U>> {
    return this.callMethod("symmetricDifference", [[...other]]) as Promise<
      Set<T | U>
    >;
  }
  /** Whether every item is in `other`, like Python's `issubset` and `<=`. */
  isSubset(other: Iterable<unknown>): Promise<boolean> {
    return this.callMethod("isSubset", [[...other]]) as Promise<boolean>;
  }
  /** Whether every item of `other` is here, like Python's `issuperset` and `>=`. */
  isSuperset(other: Iterable<unknown>): Promise<boolean> {
    return this.callMethod("isSuperset", [[...other]]) as Promise<boolean>;
  }
  /** Whether no item is in `other`, like Python's `isdisjoint`. */
  isDisjoint(other: Iterable<unknown>): Promise<boolean> {
    return this.callMethod("isDisjoint", [[...other]]) as Promise<boolean>;
  }
  /** Yields the items, like Python's `for x in s` (fetched in one call). */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    yield* await this.toArray();
  }
}

proxyMakers.set("set", (token) => new SetProxy(token));
