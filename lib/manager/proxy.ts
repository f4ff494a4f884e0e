/**
 * Proxies: handles to objects that live in a manager's server. Every method
 * is async and runs on the server; a proxy passed to a `Process` (or stored
 * inside another served object) arrives as a working proxy to the same
 * object. The server frees an object once no proxy refers to it.
 *
 * @module
 */
import {
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import {
  attachProxy,
  clientOf,
  IDENTITY,
  makeProxy,
  type ManagerClient,
  type ProxyIdentity,
  proxyMakers,
  withDefaults,
} from "./_client.ts";
import { CALL, DECREF } from "./_protocol.ts";
import type { ProxyToken } from "./proxy_token.ts";
import { ProcessError } from "../errors.ts";

export type { ProxyToken } from "./proxy_token.ts";

const SHARED_TAG = "ManagerProxy";

/** A proxy in transit to another thread. */
interface Lent {
  readonly token: ProxyToken;
  /** The loan the receiving side ends once it holds its own reference. */
  readonly key: string;
  /** Proves to the server that the receiver is in its OS process. */
  readonly localKey: Uint8Array | undefined;
}

const finalizer = new FinalizationRegistry<
  { client: ManagerClient; id: number }
>(({ client, id }) => client.notify(DECREF, id));

/**
 * The base of every proxy: a reference to one served object on a manager
 * server, with {@linkcode BaseProxy.callMethod} to run its methods there.
 * Building one adds a reference on the server; garbage collection or
 * {@linkcode BaseProxy.decref} removes it.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const list = await manager.list([3, 1, 2]);
 * assert.equal(await list.callMethod("length"), 3);
 * assert.equal(list.typeid, "list");
 * ```
 */
export class BaseProxy {
  #token: ProxyToken;
  #client: ManagerClient;
  #released = false;

  /** Attaches to the served object `token` describes (one more reference). */
  constructor(token: ProxyToken) {
    this.#token = token;
    this.#client = attachProxy(token);
    finalizer.register(this, { client: this.#client, id: token.id }, this);
  }

  /** The registered type of the served object, e.g. `"list"`. */
  get typeid(): string {
    return this.#token.typeid;
  }

  /** The served object's id on its server. */
  get id(): number {
    return this.#token.id;
  }

  /**
   * Calls `method(...args)` on the served object, on the server.
   *
   * @param method A public method of the served object.
   * @param args Its arguments; proxies among them stay proxies.
   * @returns What the method returned (proxies arrive as proxies).
   * @throws {Error} What the method threw on the server, with its class
   * (this library's error classes and JavaScript's built-in ones; other
   * classes arrive as an `Error` with their `name`).
   * @throws {TypeError} If the method is not exposed.
   * @throws {ProcessError} If the proxy was released or the server is gone.
   */
  callMethod(method: string, args: readonly unknown[] = []): Promise<unknown> {
    if (this.#released) {
      return Promise.reject(
        new ProcessError(
          `Cannot call ${this.typeid}.${method}(): the proxy was released`,
        ),
      );
    }
    return this.#client.request(CALL, this.#token.id, method, args);
  }

  /**
   * Drops this proxy's reference now instead of at garbage collection; the
   * server frees the object once no proxy refers to it. Later calls reject.
   */
  decref(): void {
    if (this.#released) return;
    this.#released = true;
    finalizer.unregister(this);
    this.#client.notify(DECREF, this.#token.id);
  }

  /** Same as {@linkcode BaseProxy.decref}, for `using`. */
  [Symbol.dispose](): void {
    this.decref();
  }

  /** @ignore Identifies the proxy to the manager wire format. */
  [IDENTITY](): ProxyIdentity {
    return {
      client: this.#client,
      typeid: this.#token.typeid,
      id: this.#token.id,
    };
  }

  /**
   * @ignore Describes the proxy for another thread; the server holds the
   * object for it until the other side has attached.
   */
  [reduce](): Reduced {
    const lent: Lent = {
      token: this.#token,
      key: this.#client.lend(this.#token.id),
      localKey: this.#client.localKey,
    };
    return reduced(SHARED_TAG, lent);
  }
}

registerShareable(SHARED_TAG, (state) => {
  const { token, key, localKey } = state as Lent;
  const client = clientOf(token.address, token.authkey, { localKey });
  const proxy = makeProxy(token);
  client.unlend(key);
  return proxy;
});

/**
 * A proxy whose methods are those of the registered type: each public
 * method `m(...args): R` becomes `m(...args): Promise<R>`.
 */
export type AutoProxy<T> =
  & BaseProxy
  & {
    readonly [
      K in keyof T as K extends `_${string}` ? never
        : T[K] extends (...args: never[]) => unknown ? K
        : never
    ]: T[K] extends (...args: infer A) => infer R
      ? (...args: A) => Promise<Awaited<R>>
      : never;
  };

/**
 * Makes the generic proxy for a registered type: any method name is sent to
 * the server, which allows only the object's public methods.
 *
 * @param token The served object to attach to.
 * @returns A proxy whose every property is an async method.
 * @example Usage
 * ```ts
 * import { autoProxy, BaseManager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * class Counter {
 *   n = 0;
 *   add(by: number): number {
 *     return this.n += by;
 *   }
 * }
 * const manager = new BaseManager().register("Counter", Counter);
 * await manager.start();
 * const counter = await manager.Counter();
 * assert.equal(await counter.add(2), 2);
 * assert.equal(typeof autoProxy, "function");
 * await manager.shutdown();
 * ```
 */
export function autoProxy<T>(token: ProxyToken): AutoProxy<T> {
  const base = new BaseProxy(token);
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(base, {
    get(target, property) {
      if (property in target) {
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      // Not thenable: `await proxy` must give the proxy itself.
      if (typeof property !== "string" || property === "then") {
        return undefined;
      }
      let method = methods.get(property);
      if (method === undefined) {
        method = (...args) => target.callMethod(property, args);
        methods.set(property, method);
      }
      return method;
    },
  }) as AutoProxy<T>;
}

proxyMakers.set("", autoProxy);

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
  /** The keys, in insertion order. */
  keys(): Promise<K[]> {
    return this.callMethod("keys") as Promise<K[]>;
  }
  /** The values, in insertion order. */
  values(): Promise<V[]> {
    return this.callMethod("values") as Promise<V[]>;
  }
  /** The `[key, value]` pairs, in insertion order. */
  items(): Promise<[K, V][]> {
    return this.callMethod("items") as Promise<[K, V][]>;
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
    const value = other instanceof Map || typeof other !== "object" ||
        !(Symbol.iterator in other)
      ? other
      : [...(other as Iterable<[K, V]>)];
    await this.callMethod("update", [value]);
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
  /** A plain-object copy (keys become strings). */
  toObject(): Promise<Record<string, V>> {
    return this.callMethod("toObject") as Promise<Record<string, V>>;
  }
}

proxyMakers.set("list", (token) => new ListProxy(token));
proxyMakers.set("dict", (token) => new DictProxy(token));
