/**
 * `Value` and `RawValue`: one number, bigint or bool in shared memory.
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
import { Adopted, adoptedOr } from "../_core/shared.ts";
import { lockOption } from "./_synchronized.ts";
import type { SynchronizedOptions } from "./synchronized_options.ts";
import type { Lock, RLock } from "../sync/lock.ts";
import type { IntegerTypecode, Typecode, TypecodeValue } from "./typecodes.ts";
import { checkItem, type TypecodeInfo, typecodeInfo } from "./_typecodes.ts";

export type { SynchronizedOptions } from "./synchronized_options.ts";

/** What a value reduces to for a trip to another thread. */
interface ValueState {
  typecode: Typecode;
  array: Int32Array;
  lock?: unknown;
}

/** The stored element as `Atomics` sees it, whatever its typed array. */
type Cell = Int32Array & BigInt64Array;

let cellOf: (value: RawValue) => Cell;

/**
 * One value of a Python typecode in a `SharedArrayBuffer`, without a lock,
 * like Python's `multiprocessing.RawValue`. Passed to a `Process` it arrives
 * as the same memory. Integer typecodes add lock-free atomic operations.
 *
 * @example Usage
 * ```ts
 * import { RawValue } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const hits = new RawValue("i", 5);
 * hits.value += 1;
 * assert.equal(hits.add(10), 6); // returns the old value
 * assert.equal(hits.value, 16);
 * assert.equal(new RawValue("q", 2n ** 40n).value, 2n ** 40n);
 * ```
 */
export class RawValue<T extends Typecode = Typecode> {
  static {
    cellOf = (value) => value.#cell;
  }

  #info: TypecodeInfo;
  #cell: Cell;
  #atomic: boolean;
  // `v.value += 1` under a lock is the hot path of a shared counter: an
  // integer typecode's number is checked here, without the table's general
  // check (which still words every error).
  #bool: boolean;
  #integer: boolean;
  #min: number;
  #max: number;

  /**
   * Creates a value of `typecode`, zero (or `false`) unless `initial` is given.
   *
   * @param typecode One of Python's typecodes; see {@linkcode Typecode}.
   * @param initial The initial value, of the typecode's JavaScript type.
   * @throws {TypeError} If `typecode` is unknown or `initial` has the wrong type.
   * @throws {RangeError} If `initial` does not fit the typecode.
   */
  constructor(typecode: T, initial?: TypecodeValue<T>);
  /** @ignore The memory of a rebuilt value. */
  constructor(
    typecode: T,
    initial: TypecodeValue<T> | undefined,
    memory: Adopted<Cell> | undefined,
  );
  constructor(typecode: T, initial?: TypecodeValue<T>, memory?: Adopted<Cell>) {
    const what = `create ${new.target === RawValue ? "RawValue" : "Value"}`;
    const info = typecodeInfo(what, typecode);
    const { TypedArray, size, kind } = info;
    const stored = initial === undefined
      ? undefined
      : checkItem(what, info, initial);
    this.#cell = adoptedOr(memory, () => {
      const cell = new TypedArray(new SharedArrayBuffer(size)) as Cell;
      if (stored !== undefined) cell[0] = stored as never;
      return cell;
    });
    this.#info = info;
    this.#atomic = kind === "integer" || kind === "bigint";
    this.#bool = kind === "bool";
    this.#integer = kind === "integer";
    this.#min = Number(info.min);
    this.#max = Number(info.max);
  }

  /** The typecode. */
  get typecode(): T {
    return this.#info.code as T;
  }

  /** The current value; setting it checks the type and range. */
  get value(): TypecodeValue<T> {
    const stored = this.#cell[0];
    return (this.#bool ? stored !== 0 : stored) as TypecodeValue<T>;
  }

  set value(value: TypecodeValue<T>) {
    const plain = this.#integer && typeof value === "number" &&
      value >= this.#min && value <= this.#max && Number.isInteger(value);
    this.#cell[0] =
      (plain ? value : checkItem("set value", this.#info, value)) as never;
  }

  /**
   * Atomically adds `n`.
   *
   * @returns The value before.
   * @throws {TypeError} If the typecode is not an integer one, or `n` has the wrong type.
   */
  add(this: RawValue<IntegerTypecode>, n: TypecodeValue<T>): TypecodeValue<T> {
    return Atomics.add(this.#atomicCell("add"), 0, this.#item(n)) as never;
  }

  /**
   * Atomically subtracts `n`.
   *
   * @returns The value before.
   * @throws {TypeError} If the typecode is not an integer one, or `n` has the wrong type.
   */
  sub(this: RawValue<IntegerTypecode>, n: TypecodeValue<T>): TypecodeValue<T> {
    return Atomics.sub(this.#atomicCell("sub"), 0, this.#item(n)) as never;
  }

  /**
   * Atomically replaces the value with `n`.
   *
   * @returns The value before.
   * @throws {TypeError} If the typecode is not an integer one, or `n` has the wrong type.
   */
  exchange(
    this: RawValue<IntegerTypecode>,
    n: TypecodeValue<T>,
  ): TypecodeValue<T> {
    return Atomics.exchange(
      this.#atomicCell("exchange"),
      0,
      this.#item(n),
    ) as never;
  }

  /**
   * Atomically replaces the value with `replacement` if it is `expected`.
   *
   * @returns The value before: `expected` if the swap happened.
   * @throws {TypeError} If the typecode is not an integer one, or an argument has the wrong type.
   */
  compareExchange(
    this: RawValue<IntegerTypecode>,
    expected: TypecodeValue<T>,
    replacement: TypecodeValue<T>,
  ): TypecodeValue<T> {
    return Atomics.compareExchange(
      this.#atomicCell("compareExchange"),
      0,
      this.#item(expected),
      this.#item(replacement),
    ) as never;
  }

  /**
   * Reads the value atomically.
   *
   * @returns The value.
   * @throws {TypeError} If the typecode is not an integer one.
   */
  load(this: RawValue<IntegerTypecode>): TypecodeValue<T> {
    return Atomics.load(this.#atomicCell("load"), 0) as never;
  }

  /**
   * Writes the value atomically.
   *
   * @returns `n`.
   * @throws {TypeError} If the typecode is not an integer one, or `n` has the wrong type.
   */
  store(
    this: RawValue<IntegerTypecode>,
    n: TypecodeValue<T>,
  ): TypecodeValue<T> {
    Atomics.store(this.#atomicCell("store"), 0, this.#item(n));
    return n;
  }

  /** @ignore */
  [reduce](): Reduced {
    const state: ValueState = { typecode: this.typecode, array: this.#cell };
    return reduced("RawValue", state);
  }

  #atomicCell(what: string): Cell {
    if (this.#atomic) return this.#cell;
    throw new TypeError(
      `Cannot ${what}: atomic operations need an integer typecode, received "${this.typecode}"`,
    );
  }

  #item(n: unknown): never {
    return checkItem("update value", this.#info, n) as never;
  }
}

/**
 * A value with a lock, like the object Python's `multiprocessing.Value`
 * returns: `getLock()` guards read-modify-write sequences such as
 * `v.value += 1`. Reading or writing `.value` alone does not take the lock
 * (one aligned element is read and written whole).
 *
 * @example Usage
 * ```ts
 * import { Synchronized, Value } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const counter = new Value("i", 0);
 * assert.ok(counter instanceof Synchronized);
 * {
 *   using _ = counter.getLock().hold();
 *   counter.value += 1;
 * }
 * assert.equal(counter.getObj().value, 1);
 * ```
 */
export class Synchronized<T extends Typecode = Typecode> extends RawValue<T> {
  #lock: Lock | RLock;

  /**
   * Creates a value guarded by `lock`.
   *
   * @param typecode One of Python's typecodes.
   * @param initial The initial value.
   * @param lock The lock that guards it. @default new RLock()
   * @throws {TypeError} If `typecode` is unknown or `initial` has the wrong type.
   * @throws {RangeError} If `initial` does not fit the typecode.
   */
  constructor(
    typecode: T,
    initial: TypecodeValue<T> | undefined,
    lock: Lock | RLock,
  );
  /** @ignore The memory of a rebuilt value. */
  constructor(
    typecode: T,
    initial: undefined,
    lock: Lock | RLock,
    memory: Adopted<Cell>,
  );
  constructor(
    typecode: T,
    initial: TypecodeValue<T> | undefined,
    lock: Lock | RLock,
    memory?: Adopted<Cell>,
  ) {
    super(typecode, initial, memory);
    this.#lock = lock;
  }

  /** The lock that guards this value. */
  getLock(): Lock | RLock {
    return this.#lock;
  }

  /** The raw value: the same memory, without the lock. */
  getObj(): RawValue<T> {
    return new RawValue(this.typecode, undefined, new Adopted(cellOf(this)));
  }

  /** @ignore */
  override [reduce](): Reduced {
    const state: ValueState = {
      typecode: this.typecode,
      array: cellOf(this),
      lock: encode(this.#lock),
    };
    return reduced("Value", state);
  }
}

/** How `new Value(…)` builds: synchronized unless `lock` is `false`. */
export interface ValueConstructor {
  /** Creates a raw value when `lock` is `false`. */
  new <T extends Typecode>(
    typecode: T,
    initial: TypecodeValue<T> | undefined,
    options: { lock: false },
  ): RawValue<T>;
  /** Creates a value guarded by a lock. */
  new <T extends Typecode>(
    typecode: T,
    initial?: TypecodeValue<T>,
    options?: SynchronizedOptions,
  ): Synchronized<T>;
  /** `Synchronized.prototype`, so `instanceof Value` works. */
  readonly prototype: Synchronized;
}

/** A value guarded by a lock, as `new Value(…)` returns it. */
export type Value<T extends Typecode = Typecode> = Synchronized<T>;

/**
 * A value in shared memory with a lock, like Python's
 * `multiprocessing.Value(typecode, initial, lock=True)`: `lock` may be
 * `true` or `null` (a new `RLock`), a `Lock` or `RLock` to share, or `false` for a
 * {@linkcode RawValue}.
 *
 * @example Usage
 * ```ts
 * import { Lock, RawValue, Value } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const total = new Value("d", 1.5, { lock });
 * assert.equal(total.getLock(), lock);
 * assert.ok(new Value("i", 0, { lock: false }) instanceof RawValue);
 * ```
 */
export const Value: ValueConstructor = function Value<T extends Typecode>(
  typecode: T,
  initial?: TypecodeValue<T>,
  options?: SynchronizedOptions,
): RawValue<T> {
  const lock = lockOption("create Value", options);
  return lock === null
    ? new RawValue(typecode, initial)
    : new Synchronized(typecode, initial, lock);
} as unknown as ValueConstructor;
(Value as { prototype: unknown }).prototype = Synchronized.prototype;

registerShareable("RawValue", (state) => {
  const { typecode, array } = state as ValueState;
  return new RawValue(typecode, undefined, new Adopted(array as Cell));
});
registerShareable("Value", (state) => {
  const { typecode, array, lock } = state as ValueState;
  const rebuilt = decode(lock) as Lock | RLock;
  return new Synchronized(
    typecode,
    undefined,
    rebuilt,
    new Adopted(array as Cell),
  );
});
