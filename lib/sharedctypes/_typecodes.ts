// The typecode table behind local and managed Values and Arrays: the typed
// array, size and range of each typecode, and the checks every store goes
// through. One table, so both behave the same.
import { describe } from "../_core/validate.ts";
import type { AnyTypedArray, Typecode, TypecodeValue } from "./typecodes.ts";

/** What the library knows about one typecode. */
export interface TypecodeInfo {
  /** The typecode itself. */
  readonly code: Typecode;
  /** The typed array class that stores it. */
  readonly TypedArray: new (buffer: SharedArrayBuffer) => AnyTypedArray;
  /** Bytes per element. */
  readonly size: number;
  /** `"integer"`, `"bigint"`, `"float"` or `"bool"`. */
  readonly kind: "integer" | "bigint" | "float" | "bool";
  /** What `typeof` says of its JavaScript values. */
  readonly type: "number" | "bigint" | "boolean";
  /** The smallest and largest value of an integer or bigint typecode. */
  readonly min: number | bigint;
  readonly max: number | bigint;
}

function info(
  code: Typecode,
  TypedArray: { new (buffer: SharedArrayBuffer): AnyTypedArray } & {
    BYTES_PER_ELEMENT: number;
  },
  kind: TypecodeInfo["kind"],
  min: number | bigint = -Infinity,
  max: number | bigint = Infinity,
): TypecodeInfo {
  const type = kind === "bigint"
    ? "bigint"
    : kind === "bool"
    ? "boolean"
    : "number";
  const size = TypedArray.BYTES_PER_ELEMENT;
  return { code, TypedArray, size, kind, type, min, max };
}

const TYPECODES: Readonly<Record<Typecode, TypecodeInfo>> = {
  b: info("b", Int8Array, "integer", -128, 127),
  B: info("B", Uint8Array, "integer", 0, 255),
  h: info("h", Int16Array, "integer", -32768, 32767),
  H: info("H", Uint16Array, "integer", 0, 65535),
  i: info("i", Int32Array, "integer", -(2 ** 31), 2 ** 31 - 1),
  I: info("I", Uint32Array, "integer", 0, 2 ** 32 - 1),
  l: info("l", Int32Array, "integer", -(2 ** 31), 2 ** 31 - 1),
  L: info("L", Uint32Array, "integer", 0, 2 ** 32 - 1),
  q: info("q", BigInt64Array, "bigint", -(2n ** 63n), 2n ** 63n - 1n),
  Q: info("Q", BigUint64Array, "bigint", 0n, 2n ** 64n - 1n),
  f: info("f", Float32Array, "float"),
  d: info("d", Float64Array, "float"),
  c: info("c", Uint8Array, "integer", 0, 255),
  "?": info("?", Uint8Array, "bool"),
};

/** Every typecode, in Python's order. */
export const TYPECODE_LIST: readonly Typecode[] = Object.keys(
  TYPECODES,
) as Typecode[];

const CODES = TYPECODE_LIST.join(" ");

/**
 * Looks a typecode up.
 *
 * @throws {TypeError} If `typecode` is not one of Python's.
 */
export function typecodeInfo(what: string, typecode: unknown): TypecodeInfo {
  if (typeof typecode !== "string" || !Object.hasOwn(TYPECODES, typecode)) {
    throw new TypeError(
      `Cannot ${what}: unknown typecode (valid: ${CODES}), received ${
        describe(typecode)
      }`,
    );
  }
  return TYPECODES[typecode as Typecode];
}

/**
 * Checks `value` fits the typecode and returns what the typed array stores
 * (a bool becomes 0 or 1).
 *
 * @throws {TypeError} If `value` has the wrong JavaScript type.
 * @throws {RangeError} If an integer is out of range or not whole.
 */
export function checkItem(
  what: string,
  info: TypecodeInfo,
  value: unknown,
): number | bigint {
  const { kind, type, min, max } = info;
  const actual: string = typeof value;
  if (actual === type) {
    if (kind === "bool") return value ? 1 : 0;
    const n = value as number;
    if (
      kind === "float" ||
      (n >= min && n <= max && (kind === "bigint" || Number.isInteger(n)))
    ) return n;
  }
  throw itemError(what, info, value);
}

function itemError(
  what: string,
  { code, type, min, max }: TypecodeInfo,
  value: unknown,
): Error {
  const actual: string = typeof value;
  if (actual !== type) {
    return new TypeError(
      `Cannot ${what}: typecode "${code}" holds ${type}s, received ${
        describe(value)
      }`,
    );
  }
  return new RangeError(
    `Cannot ${what}: typecode "${code}" holds integers from ${min} to ${max}, received ${
      describe(value)
    }`,
  );
}

/** Turns a stored element back into its typecode's JavaScript value. */
export function fromStored<T extends Typecode>(
  info: TypecodeInfo,
  stored: number | bigint,
): TypecodeValue<T> {
  return (info.kind === "bool" ? stored !== 0 : stored) as TypecodeValue<T>;
}
