/**
 * Proxies of a SyncManager's value types: `Namespace`, `Value` and `Array`.
 *
 * @module
 */
import { proxyMakers, withDefaults } from "./_client.ts";
import { BaseProxy } from "./proxy.ts";

/**
 * A proxy of a Namespace: named attributes read and written with `get` and
 * `set` (property syntax cannot be async, so the methods are explicit).
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const ns = await manager.Namespace({ x: 1 });
 * await ns.set("y", "two");
 * assert.deepEqual(await ns.toObject(), { x: 1, y: "two" });
 * ```
 */
export class NamespaceProxy extends BaseProxy {
  /** The attribute `name`. @throws {RangeError} If it is not set. */
  get(name: string): Promise<unknown> {
    return this.callMethod("get", [name]);
  }
  /** Sets the attribute `name`. */
  async set(name: string, value: unknown): Promise<void> {
    await this.callMethod("set", [name, value]);
  }
  /** Whether the attribute `name` is set. */
  has(name: string): Promise<boolean> {
    return this.callMethod("has", [name]) as Promise<boolean>;
  }
  /** Removes the attribute `name`; resolves whether it was set. */
  delete(name: string): Promise<boolean> {
    return this.callMethod("delete", [name]) as Promise<boolean>;
  }
  /** Every attribute, as a plain object. */
  toObject(): Promise<Record<string, unknown>> {
    return this.callMethod("toObject") as Promise<Record<string, unknown>>;
  }
}

/**
 * A proxy of a `manager.Value()`, like Python's `ValueProxy`.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const value = await manager.Value("i", 1);
 * await value.set(2);
 * assert.equal(await value.get(), 2);
 * ```
 */
export class ValueProxy<T = unknown> extends BaseProxy {
  /** The current value, as Python's `value` attribute: `await v.value`. */
  get value(): Promise<T> {
    return this.get();
  }
  /** The current value. */
  get(): Promise<T> {
    return this.callMethod("get") as Promise<T>;
  }
  /** Replaces the value. */
  async set(value: T): Promise<void> {
    await this.callMethod("set", [value]);
  }
}

/**
 * A proxy of a `manager.Array()`: a fixed-size array of one typecode.
 *
 * @example Usage
 * ```ts
 * import { Manager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const array = await manager.Array("i", [1, 2, 3]);
 * await array.set(0, 10);
 * assert.deepEqual(await array.toArray(), [10, 2, 3]);
 * ```
 */
export class ArrayProxy<T extends number | bigint = number> extends BaseProxy {
  /** The item at `index` (negative counts from the end). */
  get(index: number): Promise<T> {
    return this.callMethod("get", [index]) as Promise<T>;
  }
  /** Replaces the item at `index`. @throws {RangeError} If out of range or not in the typecode's range. @throws {TypeError} If of the wrong type. */
  async set(index: number, value: T): Promise<void> {
    await this.callMethod("set", [index, value]);
  }
  /** The number of items. */
  length(): Promise<number> {
    return this.callMethod("length") as Promise<number>;
  }
  /** A copy of the items from `start` up to `end`. */
  slice(start?: number, end?: number): Promise<T[]> {
    return this.callMethod("slice", withDefaults(start, end)) as Promise<T[]>;
  }
  /** A copy of every item. */
  toArray(): Promise<T[]> {
    return this.callMethod("toArray") as Promise<T[]>;
  }
}

proxyMakers.set("Namespace", (token) => new NamespaceProxy(token));
proxyMakers.set("Value", (token) => new ValueProxy(token));
proxyMakers.set("Array", (token) => new ArrayProxy(token));
