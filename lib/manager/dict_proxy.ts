/**
 * `DictProxy`: the proxy of `manager.dict()`, like Python's `DictProxy`
 * with its 3.14 methods (`|` as `union`, `reversed`, `fromkeys`).
 *
 * @module
 */
import { proxyMakers, withDefaults } from "./_client.ts";
import { BaseProxy } from "./proxy.ts";
import { ProxyView } from "./proxy_view.ts";

/** An object or Map as it is, any other iterable of pairs as an array. */
function pairsOf(other: unknown): unknown {
  return other instanceof Map || typeof other !== "object" || other === null ||
      !(Symbol.iterator in other)
    ? other
    : [...(other as Iterable<unknown>)];
}

/**
 * A proxy of a dict on a manager server, like Python's `DictProxy`; keys are
 * strings, numbers, bigints, booleans or null, kept in insertion order.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const dict = await manager.dict({ a: 1 });
 * await dict.set("b", 2);
 * assert.deepEqual(await dict.toObject(), { a: 1, b: 2 });
 * assert.equal(await dict.get("c", 0), 0);
 * const merged = await dict.union({ c: 3 });
 * assert.deepEqual([...merged], [["a", 1], ["b", 2], ["c", 3]]);
 * for await (const [key, value] of dict.items()) assert.equal(typeof key, "string");
 * ```
 */
export class DictProxy<K extends string | number = string, V = unknown>
  extends BaseProxy {
  /** The value of `key`, or `fallback` (default `null`) when it is missing. */
  get(key: K, fallback?: V): Promise<V> {
    return this.callMethod("get", withDefaults(key, fallback)) as Promise<V>;
  }
  /** Sets `key` to `value`. */
  async set(key: K, value: V): Promise<void> {
    await this.callMethod("set", [key, value]);
  }
  /** Whether `key` is present, like Python's `in`. */
  has(key: K): Promise<boolean> {
    return this.callMethod("has", [key]) as Promise<boolean>;
  }
  /** Removes `key`; resolves whether it was present. */
  delete(key: K): Promise<boolean> {
    return this.callMethod("delete", [key]) as Promise<boolean>;
  }
  /** The keys, in insertion order; `for await` walks them too. */
  keys(): ProxyView<K> {
    return ProxyView.of(this.callMethod("keys") as Promise<K[]>);
  }
  /** The values, in insertion order; `for await` walks them too. */
  values(): ProxyView<V> {
    return ProxyView.of(this.callMethod("values") as Promise<V[]>);
  }
  /** The `[key, value]` pairs, in insertion order; `for await` walks them too. */
  items(): ProxyView<[K, V]> {
    return ProxyView.of(this.callMethod("items") as Promise<[K, V][]>);
  }
  /** The number of keys. */
  length(): Promise<number> {
    return this.callMethod("length") as Promise<number>;
  }
  /** Removes every key. */
  async clear(): Promise<void> {
    await this.callMethod("clear");
  }
  /** Sets every key of `other` (an object, a Map or `[key, value]` pairs). */
  async update(
    other: Partial<Record<K, V>> | Map<K, V> | Iterable<[K, V]>,
  ): Promise<void> {
    await this.callMethod("update", [pairsOf(other)]);
  }
  /**
   * Removes `key` and returns its value, or `fallback` when missing.
   *
   * @throws {RangeError} If `key` is missing and no fallback is given.
   */
  pop(key: K, ...fallback: [V?]): Promise<V> {
    return this.callMethod("pop", [key, ...fallback]) as Promise<V>;
  }
  /** Removes and returns the last inserted `[key, value]` pair. */
  popitem(): Promise<[K, V]> {
    return this.callMethod("popitem") as Promise<[K, V]>;
  }
  /** The value of `key`, first setting it to `fallback` when missing. */
  setdefault(key: K, fallback?: V): Promise<V> {
    return this.callMethod(
      "setdefault",
      withDefaults(key, fallback),
    ) as Promise<V>;
  }
  /** A copy, keys keeping their types, like Python's `copy()`. */
  copy(): Promise<Map<K, V>> {
    return this.callMethod("copy") as Promise<Map<K, V>>;
  }
  /**
   * Python's `d | other`: a new Map of these items and `other`'s (an
   * object, a Map or pairs), `other`'s values winning; this dict is
   * unchanged. For `d |= other` use {@linkcode DictProxy.update}.
   */
  union(
    other: Partial<Record<K, V>> | Map<K, V> | Iterable<[K, V]>,
  ): Promise<Map<K, V>> {
    return this.callMethod("union", [pairsOf(other)]) as Promise<Map<K, V>>;
  }
  /** Python's `reversed(d)`: the keys, last inserted first. */
  reversed(): ProxyView<K> {
    return ProxyView.of(this.callMethod("reversed") as Promise<K[]>);
  }
  /**
   * Python's `d.fromkeys(keys, value)`: a new Map from each of `keys` to
   * `value` (default `null`); this dict is unchanged.
   */
  fromkeys<W = null>(keys: Iterable<K>, value?: W): Promise<Map<K, W>> {
    return this.callMethod(
      "fromkeys",
      withDefaults([...keys], value),
    ) as Promise<Map<K, W>>;
  }
  /** Yields the keys, like Python's `for k in d` (fetched in one call). */
  async *[Symbol.asyncIterator](): AsyncGenerator<K, void, undefined> {
    yield* await this.keys();
  }
  /** A plain-object copy (keys become strings). */
  toObject(): Promise<Record<string, V>> {
    return this.callMethod("toObject") as Promise<Record<string, V>>;
  }
}

proxyMakers.set("dict", (token) => new DictProxy(token));
