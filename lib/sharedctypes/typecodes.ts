/**
 * Python's typecodes for shared values and arrays: what each one stores, in
 * which typed array, and which JavaScript values it accepts.
 *
 * @module
 */
/**
 * A Python typecode: `b B h H i I l L q Q` integers of 8, 16, 32 (`i`, `l`)
 * and 64 (`q`) bits, signed or unsigned (capital); `f d` floats of 32 and
 * 64 bits; `c` a byte (a number 0–255); `?` a bool (stored as 0 or 1).
 * `l` and `L` are 32-bit here, as on Windows; use `q` for 64 bits.
 */
export type Typecode =
  | "b"
  | "B"
  | "h"
  | "H"
  | "i"
  | "I"
  | "l"
  | "L"
  | "q"
  | "Q"
  | "f"
  | "d"
  | "c"
  | "?";

/** The typecodes whose values support atomic operations. */
export type IntegerTypecode = Exclude<Typecode, "f" | "d" | "?">;

/** The JavaScript type of a value stored under typecode `T`. */
export type TypecodeValue<T extends Typecode> = T extends "q" | "Q" ? bigint
  : T extends "?" ? boolean
  : number;

/** The typed array class that stores typecode `T`. */
export type TypedArrayOf<T extends Typecode> = T extends "b" ? Int8Array
  : T extends "B" | "c" | "?" ? Uint8Array
  : T extends "h" ? Int16Array
  : T extends "H" ? Uint16Array
  : T extends "i" | "l" ? Int32Array
  : T extends "I" | "L" ? Uint32Array
  : T extends "q" ? BigInt64Array
  : T extends "Q" ? BigUint64Array
  : T extends "f" ? Float32Array
  : Float64Array;

/** Any typed array a typecode maps to. */
export type AnyTypedArray = TypedArrayOf<Typecode>;
