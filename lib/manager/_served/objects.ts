// The data types a SyncManager serves: plain objects owned by the server,
// whose public methods are what proxies may call. Python's semantics:
// negative indexes count from the end, equality is by value, and `sort`
// orders numbers numerically.
import { ServedRef } from "./ref.ts";
import {
  ServedBarrier,
  ServedBoundedSemaphore,
  ServedCondition,
  ServedEvent,
  ServedLock,
  ServedRLock,
  ServedSemaphore,
} from "./sync.ts";
import { POOL_RESULT_TYPES, ServedPool } from "./pool.ts";
import { ServedQueue } from "./queue.ts";
import { type Key, key } from "./key.ts";
import { ServedSet } from "./set.ts";
import {
  at,
  isIterable,
  ServedArray,
  ServedNamespace,
  ServedValue,
} from "./values.ts";
import { describe } from "../../_core/validate.ts";

/** Equality by value, as Python's `==` compares lists, dicts and scalars. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b || (a !== a && b !== b)) return true;
  // Two proxies are equal when they refer to the same shared object.
  if (a instanceof ServedRef && b instanceof ServedRef) return a.id === b.id;
  if (typeof a !== "object" || typeof b !== "object" || !a || !b) return false;
  if (globalThis.Array.isArray(a)) {
    return globalThis.Array.isArray(b) && a.length === b.length &&
      a.every((x, i) => equal(x, b[i]));
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length &&
    ka.every((k) =>
      equal(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
      )
    );
}

/** Python's ordering: numbers numerically, strings by code unit, arrays lexicographically. */
function compare(a: unknown, b: unknown): number {
  const ta = typeof a === "bigint" ? "number" : typeof a;
  const tb = typeof b === "bigint" ? "number" : typeof b;
  if (ta === tb && (ta === "number" || ta === "string" || ta === "boolean")) {
    return (a as number) < (b as number)
      ? -1
      : (a as number) > (b as number)
      ? 1
      : 0;
  }
  if (globalThis.Array.isArray(a) && globalThis.Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw new TypeError(
    `Cannot sort list: cannot order ${describe(a)} and ${describe(b)}`,
  );
}

/** The server side of `manager.list()`. */
export class ServedList {
  #items: unknown[];

  constructor(init: unknown = []) {
    if (!isIterable(init)) {
      throw new TypeError(
        `Cannot create list: initial items must be iterable, received ${
          describe(init)
        }`,
      );
    }
    this.#items = [...init];
  }

  append(item: unknown): void {
    this.#items.push(item);
  }
  extend(items: unknown): void {
    if (!isIterable(items)) {
      throw new TypeError(
        `Cannot extend list: items must be iterable, received ${
          describe(items)
        }`,
      );
    }
    for (const item of items) this.#items.push(item);
  }
  get(index: number): unknown {
    return this.#items[at("get list item", this.#items.length, index)];
  }
  set(index: number, item: unknown): void {
    this.#items[at("set list item", this.#items.length, index)] = item;
  }
  delete(index: number): void {
    this.#items.splice(at("delete list item", this.#items.length, index), 1);
  }
  pop(index = -1): unknown {
    if (this.#items.length === 0) {
      throw new RangeError("Cannot pop from list: the list is empty");
    }
    return this.#items.splice(
      at("pop list item", this.#items.length, index),
      1,
    )[0];
  }
  insert(index: number, item: unknown): void {
    const i = at("insert list item", this.#items.length, index, true);
    this.#items.splice(i, 0, item);
  }
  remove(item: unknown): void {
    this.#items.splice(this.#find("remove list item", item), 1);
  }
  index(item: unknown, start = 0, end = this.#items.length): number {
    return this.#find("find list item", item, start, end);
  }
  count(item: unknown): number {
    return this.#items.filter((x) => equal(x, item)).length;
  }
  includes(item: unknown): boolean {
    return this.#items.some((x) => equal(x, item));
  }
  length(): number {
    return this.#items.length;
  }
  sort(options: { reverse?: boolean } | null = null): void {
    const sign = options?.reverse ? -1 : 1;
    this.#items.sort((a, b) => sign * compare(a, b));
  }
  reverse(): void {
    this.#items.reverse();
  }
  clear(): void {
    this.#items.length = 0;
  }
  slice(start?: number, end?: number): unknown[] {
    return this.#items.slice(start ?? undefined, end ?? undefined);
  }
  toArray(): unknown[] {
    return this.#items.slice();
  }
  copy(): unknown[] {
    return this.#items.slice();
  }
  /** Python's `reversed(l)`: the items, last first (the list is unchanged). */
  reversed(): unknown[] {
    return this.#items.slice().reverse();
  }

  #find(what: string, item: unknown, start = 0, end = Infinity): number {
    const n = this.#items.length;
    const from = start < 0 ? Math.max(start + n, 0) : start;
    const to = Math.min(end < 0 ? end + n : end, n);
    for (let i = from; i < to; i++) {
      if (equal(this.#items[i], item)) return i;
    }
    throw new RangeError(
      `Cannot ${what}: not in list, received ${describe(item)}`,
    );
  }
}

/** The server side of `manager.dict()`; insertion-ordered like Python's. */
export class ServedDict {
  #map = new Map<Key, unknown>();

  constructor(init: unknown = null) {
    if (init !== null) this.update(init);
  }

  get(k: unknown, fallback: unknown = null): unknown {
    const id = key("get dict item", k);
    return this.#map.has(id) ? this.#map.get(id) : fallback;
  }
  set(k: unknown, value: unknown): void {
    this.#map.set(key("set dict item", k), value);
  }
  has(k: unknown): boolean {
    return this.#map.has(key("look up dict key", k));
  }
  delete(k: unknown): boolean {
    return this.#map.delete(key("delete dict item", k));
  }
  keys(): Key[] {
    return [...this.#map.keys()];
  }
  values(): unknown[] {
    return [...this.#map.values()];
  }
  items(): [Key, unknown][] {
    return [...this.#map];
  }
  length(): number {
    return this.#map.size;
  }
  clear(): void {
    this.#map.clear();
  }
  update(other: unknown): void {
    const entries = other instanceof Map || globalThis.Array.isArray(other)
      ? other
      : typeof other === "object" && other !== null
      ? Object.entries(other)
      : null;
    if (entries === null) {
      throw new TypeError(
        `Cannot update dict: expected an object, a Map or [key, value] pairs, received ${
          describe(other)
        }`,
      );
    }
    for (const pair of entries as Iterable<unknown>) {
      if (!globalThis.Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(
          `Cannot update dict: each entry must be a [key, value] pair, received ${
            describe(pair)
          }`,
        );
      }
      this.set(pair[0], pair[1]);
    }
  }
  pop(k: unknown, ...fallback: unknown[]): unknown {
    const id = key("pop dict item", k);
    if (!this.#map.has(id)) {
      if (fallback.length > 0) return fallback[0];
      throw new RangeError(
        `Cannot pop dict item: no such key, received ${describe(k)}`,
      );
    }
    const value = this.#map.get(id);
    this.#map.delete(id);
    return value;
  }
  popitem(): [Key, unknown] {
    const last = [...this.#map.keys()].pop();
    if (this.#map.size === 0) {
      throw new RangeError("Cannot pop dict item: the dict is empty");
    }
    const value = this.#map.get(last as Key);
    this.#map.delete(last as Key);
    return [last as Key, value];
  }
  setdefault(k: unknown, fallback: unknown = null): unknown {
    const id = key("set dict default", k);
    if (!this.#map.has(id)) this.#map.set(id, fallback);
    return this.#map.get(id);
  }
  copy(): Map<Key, unknown> {
    return new Map(this.#map);
  }
  /** Python's `d | other`: a new dict, `other`'s values winning. */
  union(other: unknown): Map<Key, unknown> {
    const copy = new ServedDict();
    copy.#map = new Map(this.#map);
    copy.update(other);
    return copy.#map;
  }
  /** Python's `reversed(d)`: the keys, last inserted first. */
  reversed(): Key[] {
    return [...this.#map.keys()].reverse();
  }
  /** Python's `d.fromkeys(keys, value)`: a new dict (this one is unchanged). */
  fromkeys(keys: unknown, value: unknown = null): Map<Key, unknown> {
    if (!isIterable(keys)) {
      throw new TypeError(
        `Cannot make dict from keys: keys must be iterable, received ${
          describe(keys)
        }`,
      );
    }
    return new Map(
      [...keys].map((k) => [key("make dict from keys", k), value]),
    );
  }
  toObject(): Record<string, unknown> {
    // Own data properties, so a "__proto__" key stays data.
    return Object.fromEntries(
      [...this.#map].map(([k, v]) => [String(k), v]),
    );
  }
}

function conditionLock(
  lock: unknown,
  resolve: (value: unknown) => unknown,
): ServedLock | ServedRLock | undefined {
  if (lock === null || lock === undefined) return undefined;
  const found = resolve(lock);
  if (found instanceof ServedLock || found instanceof ServedRLock) return found;
  throw new TypeError(
    `Cannot create Condition: the lock must be a Lock or RLock proxy of this manager, received ${
      describe(lock)
    }`,
  );
}

/** Marks a manager class whose server serves {@linkcode syncTypes}. */
export const SYNC_TYPES: unique symbol = Symbol("serves the SyncManager types");

/** The property of a SyncManager holding its `poolModules`. */
export const POOL_MODULES: unique symbol = Symbol("SyncManager poolModules");

/**
 * Builds a served object from the arguments of a create request; `resolve`
 * turns a proxy among them into the object it refers to on this server.
 */
export type Factory = (
  args: unknown[],
  resolve: (value: unknown) => unknown,
) => object | Promise<object>;

/** What a server serves: how each typeid is built, and method result types. */
export interface ServedTypes {
  /** `null`: served only as a method's result (`methodToTypeid`). */
  readonly factories: Map<string, Factory | null>;
  readonly methodToTypeid: Map<string, Readonly<Record<string, string>>>;
}

/**
 * The typeids every SyncManager serves, and how each is built; its `Pool`
 * runs tasks only from `poolModules`.
 */
export function syncTypes(poolModules: readonly string[]): ServedTypes {
  const opt = (value: unknown) => value ?? undefined;
  const queue = (a: unknown[]) => new ServedQueue(opt(a[0]));
  const factories = new Map<string, Factory | null>([
    ["list", (a) => new ServedList(opt(a[0]))],
    ["dict", (a) => new ServedDict(a[0] ?? null)],
    ["set", (a) => new ServedSet(a[0] ?? null)],
    ["Namespace", (a) => new ServedNamespace(a[0] ?? null)],
    ["Value", (a) => new ServedValue(a[0], a[1])],
    ["Array", (a) => new ServedArray(a[0], a[1])],
    ["Lock", () => new ServedLock()],
    ["RLock", () => new ServedRLock()],
    ["Semaphore", (a) => new ServedSemaphore(opt(a[0]))],
    ["BoundedSemaphore", (a) => new ServedBoundedSemaphore(opt(a[0]))],
    [
      "Condition",
      (a, resolve) => new ServedCondition(conditionLock(a[0], resolve)),
    ],
    ["Event", () => new ServedEvent()],
    ["Barrier", (a) => new ServedBarrier(a[0], a[1] as null)],
    ["Queue", queue],
    ["JoinableQueue", queue],
    ["Pool", (a) => ServedPool.create(poolModules, a[0], a[1])],
    ["AsyncResult", null],
    ["Iterator", null],
  ]);
  return {
    factories,
    methodToTypeid: new Map([["Pool", POOL_RESULT_TYPES]]),
  };
}
