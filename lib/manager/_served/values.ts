// The value types a SyncManager serves (Namespace, Value, Array), and the
// index and iterable checks its sequences share.
import { describe } from "../../_core/validate.ts";
import type { AnyTypedArray } from "../../sharedctypes/typecodes.ts";
import {
  checkItem,
  fromStored,
  type TypecodeInfo,
  typecodeInfo,
} from "../../sharedctypes/_typecodes.ts";

/** The most items a served Array may hold (2^27: 1 GiB of doubles). */
const MAX_ITEMS = 2 ** 27;

/** Python-style index: negative counts from the end; throws when out of range. */
export function at(
  what: string,
  length: number,
  index: unknown,
  insert = false,
) {
  if (typeof index !== "number" || !Number.isInteger(index)) {
    throw new TypeError(
      `Cannot ${what}: index must be an integer, received ${describe(index)}`,
    );
  }
  const i = index < 0 ? index + length : index;
  if (insert) return Math.min(Math.max(i, 0), length);
  if (i < 0 || i >= length) {
    throw new RangeError(
      `Cannot ${what}: index out of range (length ${length}), received ${index}`,
    );
  }
  return i;
}

/** Whether `value` can be spread. */
export function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === "object" && value !== null &&
    Symbol.iterator in value;
}

/** The server side of `manager.Namespace()`: named attributes. */
export class ServedNamespace {
  #attrs = new Map<string, unknown>();

  constructor(init: unknown = null) {
    if (init === null) return;
    if (typeof init !== "object") {
      throw new TypeError(
        `Cannot create Namespace: attributes must be an object, received ${
          describe(init)
        }`,
      );
    }
    for (const [k, v] of Object.entries(init)) this.#attrs.set(k, v);
  }

  get(name: unknown): unknown {
    const n = attribute("get", name);
    if (!this.#attrs.has(n)) {
      throw new RangeError(
        `Cannot get Namespace attribute: no such attribute, received ${
          describe(name)
        }`,
      );
    }
    return this.#attrs.get(n);
  }
  set(name: unknown, value: unknown): void {
    this.#attrs.set(attribute("set", name), value);
  }
  has(name: unknown): boolean {
    return this.#attrs.has(attribute("look up", name));
  }
  delete(name: unknown): boolean {
    return this.#attrs.delete(attribute("delete", name));
  }
  toObject(): Record<string, unknown> {
    // Own data properties, so a "__proto__" attribute stays data.
    return Object.fromEntries(this.#attrs);
  }
}

function attribute(what: string, name: unknown): string {
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot ${what} Namespace attribute: the name must be a string, received ${
        describe(name)
      }`,
    );
  }
  return name;
}

/** The server side of `manager.Value()`: one item of a typecode. */
export class ServedValue {
  #info: TypecodeInfo;
  #cell: AnyTypedArray;

  constructor(typecode: unknown, value: unknown = null) {
    this.#info = typecodeInfo("create Value", typecode);
    this.#cell = cells(this.#info, 1);
    if (value !== null) this.#store("create Value", value);
  }
  get(): unknown {
    return fromStored(this.#info, this.#cell[0]);
  }
  set(value: unknown): void {
    this.#store("set value", value);
  }
  typecode(): string {
    return this.#info.code;
  }

  #store(what: string, value: unknown): void {
    (this.#cell as unknown as unknown[])[0] = checkItem(
      what,
      this.#info,
      value,
    );
  }
}

/** Items of `info`'s typed array, in memory of this thread only. */
function cells(info: TypecodeInfo, length: number): AnyTypedArray {
  const TypedArray = info.TypedArray as unknown as new (
    length: number,
  ) => AnyTypedArray;
  return new TypedArray(length);
}

/** The server side of `manager.Array()`: a fixed-size typed array. */
export class ServedArray {
  #info: TypecodeInfo;
  #items: AnyTypedArray;

  constructor(typecode: unknown, init: unknown) {
    this.#info = typecodeInfo("create Array", typecode);
    if (typeof init === "number") {
      if (!Number.isInteger(init) || init < 0 || init > MAX_ITEMS) {
        throw new RangeError(
          `Cannot create Array: size must be an integer from 0 to ${MAX_ITEMS}, received ${init}`,
        );
      }
      this.#items = cells(this.#info, init);
      return;
    }
    if (!isIterable(init)) {
      throw new TypeError(
        `Cannot create Array: expected a size or initial items, received ${
          describe(init)
        }`,
      );
    }
    const items = [...init];
    this.#items = cells(this.#info, items.length);
    items.forEach((item, i) => this.#store("create Array", i, item));
  }

  get(index: number): unknown {
    const i = at("get item of Array", this.#items.length, index);
    return fromStored(this.#info, this.#items[i]);
  }
  set(index: number, value: unknown): void {
    const what = "set item of Array";
    this.#store(what, at(what, this.#items.length, index), value);
  }
  length(): number {
    return this.#items.length;
  }
  slice(start?: number, end?: number): unknown[] {
    const part = this.#items.slice(start ?? undefined, end ?? undefined);
    return [...part].map((item) => fromStored(this.#info, item));
  }
  toArray(): unknown[] {
    return this.slice();
  }
  typecode(): string {
    return this.#info.code;
  }

  #store(what: string, i: number, value: unknown): void {
    (this.#items as unknown as unknown[])[i] = checkItem(
      what,
      this.#info,
      value,
    );
  }
}
