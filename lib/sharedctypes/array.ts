/**
 * `Array` (also exported as `SharedArray`) and `RawArray`: typed arrays
 * over one `SharedArrayBuffer`, built from Python typecodes.
 *
 * @module
 */
import {
  decode,
  encode,
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import { lockOption } from "./_synchronized.ts";
import type { SynchronizedOptions } from "./synchronized_options.ts";
import { describe } from "../_core/validate.ts";
import type { Lock, RLock } from "../sync/lock.ts";
import type {
  AnyTypedArray,
  Typecode,
  TypecodeValue,
  TypedArrayOf,
} from "./typecodes.ts";
import {
  checkItem,
  fromStored,
  TYPECODE_LIST,
  type TypecodeInfo,
  typecodeInfo,
} from "./_typecodes.ts";

/** What the typed array of a `RawArray` adds. */
export interface RawArrayMethods<T extends Typecode> {
  /** The typecode. */
  readonly typecode: T;
  /**
   * Reads item `index` (negative counts from the end), checked: a bool
   * typecode reads as `true`/`false`.
   *
   * @throws {TypeError} If `index` is not an integer.
   * @throws {RangeError} If `index` is out of range.
   */
  get(index: number): TypecodeValue<T>;
  /**
   * Writes item `index` (negative counts from the end), checking the index
   * and the value's type and range.
   *
   * @throws {TypeError} If `index` is not an integer, or `value` has the wrong type.
   * @throws {RangeError} If `index` is out of range or `value` does not fit.
   */
  set(index: number, value: TypecodeValue<T>): void;
  /** The typed array's own `set`: copies `array` in from `offset`. */
  set(array: ArrayLike<number> | ArrayLike<bigint>, offset?: number): void;
}

/**
 * A typed array over a `SharedArrayBuffer` holding typecode `T`, like the
 * array Python's `multiprocessing.RawArray` returns. Indexing, `length`,
 * iteration, spread and `Array.from` are the typed array's own; a bool
 * typecode stores 0 and 1.
 */
export type RawArray<T extends Typecode = Typecode> =
  & TypedArrayOf<T>
  & RawArrayMethods<T>;

/** A {@linkcode RawArray} with a lock, like Python's `SynchronizedArray`. */
export type SynchronizedArray<T extends Typecode = Typecode> =
  & RawArray<T>
  & {
    /** The lock that guards this array. */
    getLock(): Lock | RLock;
    /** The raw array: the same memory, without the lock. */
    getObj(): RawArray<T>;
  };

/** How `new RawArray(…)` builds. */
export interface RawArrayConstructor {
  /** Creates a zeroed array of `size` items, or one holding `items`. */
  new <T extends Typecode>(
    typecode: T,
    sizeOrItems: number | Iterable<TypecodeValue<T>>,
  ): RawArray<T>;
}

/** How `new Array(…)` builds: synchronized unless `lock` is `false`. */
export interface SharedArrayConstructor {
  /** Creates a raw array when `lock` is `false`. */
  new <T extends Typecode>(
    typecode: T,
    sizeOrItems: number | Iterable<TypecodeValue<T>>,
    options: { lock: false },
  ): RawArray<T>;
  /** Creates an array guarded by a lock. */
  new <T extends Typecode>(
    typecode: T,
    sizeOrItems: number | Iterable<TypecodeValue<T>>,
    options?: SynchronizedOptions,
  ): SynchronizedArray<T>;
}

type Base = new (buffer: SharedArrayBuffer) => AnyTypedArray;

interface ArrayState {
  typecode: Typecode;
  buffer: SharedArrayBuffer;
  lock?: unknown;
}

function checkIndex(what: string, length: number, index: unknown): number {
  if (!Number.isInteger(index)) {
    throw new TypeError(
      `Cannot ${what}: index must be an integer, received ${describe(index)}`,
    );
  }
  const i = index as number;
  if (i < -length || i >= length) {
    throw new RangeError(
      `Cannot ${what}: index must be from ${-length} to ${
        length - 1
      }, received ${i}`,
    );
  }
  return i < 0 ? i + length : i;
}

function bufferOf(array: { buffer: ArrayBufferLike }): SharedArrayBuffer {
  return array.buffer as SharedArrayBuffer;
}

function rawClass(info: TypecodeInfo): Base {
  const { code: typecode, TypedArray } = info;
  // Typed array methods that make new arrays (`slice`, `map`, …) make plain
  // ones: their species is the base class, whose constructor they know.
  const Raw = class extends (TypedArray as typeof Uint8Array) {
    static get [Symbol.species](): Base {
      return TypedArray;
    }

    get typecode(): Typecode {
      return typecode;
    }

    get(index: number): unknown {
      return fromStored(
        info,
        this[checkIndex("get item of Array", this.length, index)],
      );
    }

    override set(
      indexOrArray: number | ArrayLike<number>,
      valueOrOffset?: unknown,
    ): void {
      if (typeof indexOrArray !== "number") {
        return super.set(indexOrArray, valueOrOffset as number | undefined);
      }
      const what = "set item of Array";
      const i = checkIndex(what, this.length, indexOrArray);
      (this as unknown as (number | bigint)[])[i] = checkItem(
        what,
        info,
        valueOrOffset,
      );
    }

    [reduce](): Reduced {
      const state: ArrayState = {
        typecode,
        buffer: bufferOf(this),
      };
      return reduced("RawArray", state);
    }
  };
  return Raw as unknown as Base;
}

type SynchronizedBase = new (
  buffer: SharedArrayBuffer,
  lock: Lock | RLock,
) => AnyTypedArray;

// Only this module constructs these: methods that make new arrays (`slice`,
// `map`…) build the raw class, their species.
function synchronizedClass(typecode: Typecode, Raw: Base): SynchronizedBase {
  const Synchronized = class extends (Raw as new (
    buffer: SharedArrayBuffer,
  ) => Uint8Array) {
    #lock: Lock | RLock;

    constructor(buffer: SharedArrayBuffer, lock: Lock | RLock) {
      super(buffer);
      this.#lock = lock;
    }

    getLock(): Lock | RLock {
      return this.#lock;
    }

    getObj(): RawArray {
      return new RAW[typecode](bufferOf(this)) as RawArray;
    }

    [reduce](): Reduced {
      const state: ArrayState = {
        typecode,
        buffer: bufferOf(this),
        lock: encode(this.#lock),
      };
      return reduced("Array", state);
    }
  };
  return Synchronized as unknown as SynchronizedBase;
}

const RAW = {} as Record<Typecode, Base>;
const SYNCHRONIZED = {} as Record<Typecode, SynchronizedBase>;
for (const typecode of TYPECODE_LIST) {
  RAW[typecode] = rawClass(typecodeInfo("", typecode));
  SYNCHRONIZED[typecode] = synchronizedClass(typecode, RAW[typecode]);
}

function synchronized(
  typecode: Typecode,
  buffer: SharedArrayBuffer,
  lock: Lock | RLock,
): RawArray {
  return new SYNCHRONIZED[typecode](buffer, lock) as RawArray;
}

/** The memory of `length` items, or a RangeError that names the size. */
function sharedBytes(
  what: string,
  info: TypecodeInfo,
  length: number,
): SharedArrayBuffer {
  const bytes = info.size * length;
  try {
    return new SharedArrayBuffer(bytes);
  } catch (error) {
    throw new RangeError(
      `Cannot ${what}: ${length} items of typecode "${info.code}" need ${bytes} bytes of shared memory, which could not be allocated, received ${length}`,
      { cause: error },
    );
  }
}

/** Allocates and fills the memory of a new array of `typecode`. */
function allocate(
  what: string,
  typecode: unknown,
  sizeOrItems: unknown,
): { typecode: Typecode; buffer: SharedArrayBuffer } {
  const info = typecodeInfo(what, typecode);
  const { TypedArray } = info;
  const code = info.code;
  if (typeof sizeOrItems === "number") {
    if (!Number.isInteger(sizeOrItems) || sizeOrItems < 0) {
      throw new RangeError(
        `Cannot ${what}: size must be an integer >= 0, received ${sizeOrItems}`,
      );
    }
    return { typecode: code, buffer: sharedBytes(what, info, sizeOrItems) };
  }
  if (
    typeof sizeOrItems !== "object" || sizeOrItems === null ||
    !(Symbol.iterator in sizeOrItems)
  ) {
    throw new TypeError(
      `Cannot ${what}: sizeOrItems must be a size or an iterable, received ${
        describe(sizeOrItems)
      }`,
    );
  }
  const items = globalThis.Array.from(
    sizeOrItems as Iterable<unknown>,
    (item) => checkItem(what, info, item),
  );
  const buffer = sharedBytes(what, info, items.length);
  (new TypedArray(buffer) as Uint8Array).set(items as number[]);
  return { typecode: code, buffer };
}

/**
 * A typed array over a `SharedArrayBuffer`, without a lock, like Python's
 * `multiprocessing.RawArray(typecode, size_or_initializer)`. Passed to a
 * `Process` it arrives as the same memory.
 *
 * @example Usage
 * ```ts
 * import { RawArray } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const squares = new RawArray("i", [0, 1, 4]);
 * squares[0] = 9;
 * assert.deepEqual([...squares], [9, 1, 4]);
 * assert.equal(squares.get(-1), 4);
 * ```
 */
export const RawArray: RawArrayConstructor = function RawArray(
  typecode: Typecode,
  sizeOrItems: unknown,
): RawArray {
  const { buffer } = allocate("create RawArray", typecode, sizeOrItems);
  return new RAW[typecode](buffer) as RawArray;
} as unknown as RawArrayConstructor;

/**
 * A typed array over a `SharedArrayBuffer` with a lock, like Python's
 * `multiprocessing.Array(typecode, size_or_initializer, lock=True)`:
 * `lock` may be `true` or `null` (a new `RLock`), a `Lock` or `RLock` to share, or
 * `false` for a {@linkcode RawArray}. Also exported as `SharedArray`, so it
 * need not shadow the global `Array`.
 *
 * @example Usage
 * ```ts
 * import { SharedArray } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const arr = new SharedArray("d", 3);
 * {
 *   using _ = arr.getLock().hold();
 *   arr[0] = 1.5;
 * }
 * assert.deepEqual([...arr], [1.5, 0, 0]);
 * assert.equal(arr.length, 3);
 * ```
 */
export const Array: SharedArrayConstructor = function Array(
  typecode: Typecode,
  sizeOrItems: unknown,
  options?: SynchronizedOptions,
): RawArray {
  const what = "create Array";
  const lock = lockOption(what, options);
  const { buffer } = allocate(what, typecode, sizeOrItems);
  if (lock === null) return new RAW[typecode](buffer) as RawArray;
  return synchronized(typecode, buffer, lock);
} as unknown as SharedArrayConstructor;

/** `instanceof` for a constructor whose instances come from `classes`. */
function instancesOf(
  constructor: object,
  classes: Record<Typecode, abstract new (...args: never[]) => AnyTypedArray>,
): void {
  const list = Object.values(classes);
  Object.defineProperty(constructor, Symbol.hasInstance, {
    value: (value: unknown) => list.some((Class) => value instanceof Class),
  });
}
instancesOf(RawArray, RAW);
instancesOf(Array, SYNCHRONIZED);

export { Array as SharedArray };

registerShareable("RawArray", (state) => {
  const { typecode, buffer } = state as ArrayState;
  return new RAW[typecode](buffer);
});
registerShareable("Array", (state) => {
  const { typecode, buffer, lock } = state as ArrayState;
  return synchronized(typecode, buffer, decode(lock) as Lock | RLock);
});
