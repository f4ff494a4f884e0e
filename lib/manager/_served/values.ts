// The value types a SyncManager serves (Namespace, Value, Array), and the
// index and iterable checks its sequences share.
import { describe } from "../../_core/validate.ts";

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
export class SharedNamespace {
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

/** The server side of `manager.Value()`; like Python's, it stores any value. */
export class SharedValue {
  #typecode: string;
  #value: unknown;

  constructor(typecode: unknown, value: unknown = null) {
    this.#typecode = typecodeOf("create Value", typecode);
    this.#value = value;
  }
  get(): unknown {
    return this.#value;
  }
  set(value: unknown): void {
    this.#value = value;
  }
  typecode(): string {
    return this.#typecode;
  }
}

type Typed =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

const TYPED: Record<string, new (n: number) => Typed> = {
  b: Int8Array,
  B: Uint8Array,
  h: Int16Array,
  H: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
  l: BigInt64Array,
  L: BigUint64Array,
  q: BigInt64Array,
  Q: BigUint64Array,
  f: Float32Array,
  d: Float64Array,
};

function typecodeOf(what: string, typecode: unknown): string {
  if (typeof typecode !== "string" || !Object.hasOwn(TYPED, typecode)) {
    throw new TypeError(
      `Cannot ${what}: typecode must be one of ${
        Object.keys(TYPED).join(" ")
      }, received ${describe(typecode)}`,
    );
  }
  return typecode;
}

/** The server side of `manager.Array()`: a fixed-size typed array. */
export class SharedArray {
  #items: Typed;
  #typecode: string;

  constructor(typecode: unknown, init: unknown) {
    this.#typecode = typecodeOf("create Array", typecode);
    const Typed = TYPED[this.#typecode];
    if (typeof init === "number") {
      this.#items = new Typed(init);
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
    this.#items = new Typed(items.length);
    items.forEach((item, i) => this.#store("create Array", i, item));
  }

  get(index: number): number | bigint {
    return this.#items[at("get Array item", this.#items.length, index)];
  }
  set(index: number, value: unknown): void {
    this.#store(
      "set Array item",
      at("set Array item", this.#items.length, index),
      value,
    );
  }
  length(): number {
    return this.#items.length;
  }
  slice(start?: number, end?: number): (number | bigint)[] {
    return [...this.#items.slice(start ?? undefined, end ?? undefined)];
  }
  toArray(): (number | bigint)[] {
    return [...this.#items];
  }
  typecode(): string {
    return this.#typecode;
  }

  #store(what: string, i: number, value: unknown): void {
    const big = this.#items instanceof BigInt64Array ||
      this.#items instanceof BigUint64Array;
    if (big ? typeof value !== "bigint" : typeof value !== "number") {
      throw new TypeError(
        `Cannot ${what}: typecode "${this.#typecode}" holds ${
          big ? "bigints" : "numbers"
        }, received ${describe(value)}`,
      );
    }
    (this.#items as unknown as unknown[])[i] = value;
  }
}
