// The server side of `manager.set()` (Python 3.14's `SyncManager.set`):
// an insertion-ordered set of keys (see key.ts), with Python's set methods.
import { describe } from "../../_core/validate.ts";
import { type Key, key } from "./key.ts";
import { isIterable } from "./values.ts";

function itemsOf(what: string, items: unknown): Key[] {
  if (!isIterable(items)) {
    throw new TypeError(
      `Cannot ${what}: expected an iterable of items, received ${
        describe(items)
      }`,
    );
  }
  return [...items].map((item) => key(what, item));
}

/** The server side of `manager.set()`. */
export class ServedSet {
  #set: Set<Key>;

  constructor(init: unknown = null) {
    this.#set = new Set(init === null ? [] : itemsOf("create set", init));
  }

  add(item: unknown): void {
    this.#set.add(key("add to set", item));
  }
  /** Removes `item` if present. */
  discard(item: unknown): void {
    this.#set.delete(key("discard from set", item));
  }
  /** Removes `item`. @throws {RangeError} If it is not present (Python's KeyError). */
  remove(item: unknown): void {
    if (!this.#set.delete(key("remove from set", item))) {
      throw new RangeError(
        `Cannot remove from set: not in set, received ${describe(item)}`,
      );
    }
  }
  /** Removes and returns an item (the oldest). */
  pop(): Key {
    if (this.#set.size === 0) {
      throw new RangeError("Cannot pop from set: the set is empty");
    }
    const item = this.#set.values().next().value as Key;
    this.#set.delete(item);
    return item;
  }
  clear(): void {
    this.#set.clear();
  }
  has(item: unknown): boolean {
    return this.#set.has(key("look up set item", item));
  }
  length(): number {
    return this.#set.size;
  }
  toArray(): Key[] {
    return [...this.#set];
  }
  copy(): Set<Key> {
    return new Set(this.#set);
  }
  update(...others: unknown[]): void {
    for (const other of others) {
      for (const item of itemsOf("update set", other)) this.#set.add(item);
    }
  }
  union(...others: unknown[]): Set<Key> {
    const out = new ServedSet(this.#set);
    out.update(...others);
    return out.#set;
  }
  intersection(...others: unknown[]): Set<Key> {
    let out = new Set(this.#set);
    for (const other of others) {
      const keep = new Set(itemsOf("intersect set", other));
      out = new Set([...out].filter((item) => keep.has(item)));
    }
    return out;
  }
  difference(...others: unknown[]): Set<Key> {
    const out = new Set(this.#set);
    for (const other of others) {
      for (const item of itemsOf("subtract from set", other)) out.delete(item);
    }
    return out;
  }
  symmetricDifference(other: unknown): Set<Key> {
    const out = new Set(this.#set);
    for (const item of new Set(itemsOf("compare sets", other))) {
      if (!out.delete(item)) out.add(item);
    }
    return out;
  }
  intersectionUpdate(...others: unknown[]): void {
    this.#set = this.intersection(...others);
  }
  differenceUpdate(...others: unknown[]): void {
    this.#set = this.difference(...others);
  }
  symmetricDifferenceUpdate(other: unknown): void {
    this.#set = this.symmetricDifference(other);
  }
  isSubset(other: unknown): boolean {
    const of = new Set(itemsOf("compare sets", other));
    return [...this.#set].every((item) => of.has(item));
  }
  isSuperset(other: unknown): boolean {
    return itemsOf("compare sets", other).every((item) => this.#set.has(item));
  }
  isDisjoint(other: unknown): boolean {
    return itemsOf("compare sets", other).every((item) => !this.#set.has(item));
  }
}
