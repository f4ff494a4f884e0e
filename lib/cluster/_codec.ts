// How values cross machines inside BullMQ job data: MessagePack (portable
// across Deno, Bun and Node, unlike `node:v8`, whose Bun format differs) with
// extension types for what JSON lacks, as base64 text because BullMQ stores
// job data and return values as JSON. Errors keep class, message, own
// properties and stack (the library's codec describes them); shared-memory
// objects are refused, since their memory cannot cross machines.
import { decode, encode, ExtensionCodec } from "@msgpack/msgpack";
import {
  decodeThrown,
  type EncodedError,
  encodeThrown,
  reduce,
} from "../_core/codec.ts";
import { describe } from "../_core/validate.ts";
import { fromBase64, toBase64 } from "../_runtime/_base64.ts";

const BIGINT = 0;
const MAP = 1;
const SET = 2;
const TYPED = 3;
const ERROR = 4;
const SHARED = 5;

type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

// Uint8Array is MessagePack's own binary type and needs no extension.
const TYPED_ARRAYS: Record<string, TypedArrayConstructor> = {
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

const extensions = new ExtensionCodec();
const pack = (value: unknown): Uint8Array =>
  encode(value, { extensionCodec: extensions });
const unpack = (bytes: Uint8Array): unknown =>
  decode(bytes, { extensionCodec: extensions });

// First, so that no other extension describes a shared object as data.
extensions.register({
  type: SHARED,
  encode: (value) => refuseShared(value),
  decode: () => {
    throw new TypeError("Cannot decode value: shared objects are never sent");
  },
});
extensions.register({
  type: BIGINT,
  encode: (value) => typeof value === "bigint" ? pack(value.toString()) : null,
  decode: (bytes) => BigInt(unpack(bytes) as string),
});
extensions.register({
  type: MAP,
  encode: (value) => value instanceof Map ? pack([...value]) : null,
  decode: (bytes) => new Map(unpack(bytes) as [unknown, unknown][]),
});
extensions.register({
  type: SET,
  encode: (value) => value instanceof Set ? pack([...value]) : null,
  decode: (bytes) => new Set(unpack(bytes) as unknown[]),
});
extensions.register({
  type: TYPED,
  encode: (value) => {
    if (!ArrayBuffer.isView(value) || value instanceof Uint8Array) return null;
    const name = value.constructor.name;
    if (!Object.hasOwn(TYPED_ARRAYS, name)) return null;
    const bytes = new Uint8Array(
      value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
    );
    return pack([name, bytes]);
  },
  decode: (bytes) => {
    const [name, data] = unpack(bytes) as [string, Uint8Array];
    if (!Object.hasOwn(TYPED_ARRAYS, name)) {
      throw new TypeError(
        `Cannot decode typed array: unknown kind, received ${describe(name)}`,
      );
    }
    const copy = data.slice();
    return new TYPED_ARRAYS[name](
      copy.buffer,
      0,
      copy.byteLength / TYPED_ARRAYS[name].BYTES_PER_ELEMENT,
    );
  },
});
extensions.register({
  type: ERROR,
  encode: (value) =>
    value instanceof Error
      ? pack((encodeThrown(value) as { error: EncodedError }).error)
      : null,
  decode: (bytes) => decodeThrown({ error: unpack(bytes) as EncodedError }),
});

/** Throws for shared-memory objects (their memory stays on this machine). */
function refuseShared(value: unknown): null {
  if (typeof value === "object" && value !== null && reduce in value) {
    throw new TypeError(
      `Cannot send value to a cluster node: a shared-memory object cannot cross machines (pass plain data, or a manager proxy's value), received ${
        describe(value)
      }`,
    );
  }
  return null;
}

/**
 * A value as it sits in job data: as itself when JSON carries it exactly
 * (the common case, which costs no extra pass: BullMQ stringifies job data
 * anyway), else as base64 MessagePack.
 */
export type Encoded =
  | { readonly json: unknown }
  | { readonly packed: string }
  | { readonly int32: string }
  | { readonly float64: string };

/**
 * Arrays of at least this many numbers travel as the base64 of their int32
 * (all integers that fit) or float64 bytes: one string costs BullMQ's JSON
 * far less than as many numbers, and every number (-0, NaN, ±Infinity)
 * survives.
 */
const NUMBERS_AT_LEAST = 256;

/** `value` as a typed array, if it is a long array of numbers only. */
function numberArray(value: unknown): Int32Array | Float64Array | null {
  if (
    !globalThis.Array.isArray(value) || value.length < NUMBERS_AT_LEAST
  ) return null;
  let ints = true;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (typeof item !== "number") return null;
    if (ints && ((item | 0) !== item || Object.is(item, -0))) ints = false;
  }
  // Constructed from the array as array-like: no iterator per item.
  return ints ? new Int32Array(value) : new Float64Array(value);
}

function bytesOf(array: Int32Array | Float64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** The plain array of numbers that `base64` holds as `Kind`'s bytes. */
function numbersFrom(
  Kind: Int32ArrayConstructor | Float64ArrayConstructor,
  base64: string,
): number[] {
  const bytes = fromBase64(base64);
  const numbers = new Kind(
    bytes.buffer,
    bytes.byteOffset,
    bytes.byteLength / Kind.BYTES_PER_ELEMENT,
  );
  const items = new globalThis.Array<number>(numbers.length);
  for (let i = 0; i < numbers.length; i++) items[i] = numbers[i];
  return items;
}

/** Encodes `value`; throws a `TypeError` naming `what` if it cannot cross machines. */
export function encodeValue(what: string, value: unknown): Encoded {
  const numbers = numberArray(value);
  if (numbers instanceof Int32Array) {
    return { int32: toBase64(bytesOf(numbers)) };
  }
  if (numbers !== null) return { float64: toBase64(bytesOf(numbers)) };
  if (jsonExact(value, 0)) return { json: value };
  let bytes: Uint8Array;
  try {
    bytes = pack(value);
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith("Cannot")) {
      throw new TypeError(`${error.message} (in ${what})`);
    }
    throw new TypeError(
      `Cannot send ${what} to a cluster node: it cannot be encoded, received ${
        describe(value)
      }`,
      { cause: error },
    );
  }
  return { packed: toBase64(bytes) };
}

/** Undoes {@linkcode encodeValue}. */
export function decodeValue(encoded: Encoded): unknown {
  if (typeof encoded !== "object" || encoded === null) {
    throw new TypeError(
      `Cannot decode value: malformed, received ${describe(encoded)}`,
    );
  }
  if ("json" in encoded) return encoded.json;
  if ("int32" in encoded) return numbersFrom(Int32Array, encoded.int32);
  if ("float64" in encoded) return numbersFrom(Float64Array, encoded.float64);
  return unpack(fromBase64(encoded.packed));
}

const MAX_JSON_DEPTH = 32;

/** Whether JSON round-trips `value` exactly (no -0, NaN, undefined, holes, classes). */
function jsonExact(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "string":
    case "boolean":
      return true;
    case "object": {
      if (value === null) return true;
      if (depth > MAX_JSON_DEPTH) return false;
      if (globalThis.Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          // Numbers inline: the hot path of map over numbers.
          if (typeof item === "number") {
            if (!Number.isFinite(item) || Object.is(item, -0)) return false;
          } else if (!jsonExact(item, depth + 1)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) {
        if (
          key === "__proto__" ||
          !jsonExact((value as Record<string, unknown>)[key], depth + 1)
        ) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** A thrown value as it sits in a job's return value: class, message and stack kept. */
export function encodeError(thrown: unknown): Encoded {
  return { packed: toBase64(pack(encodeThrown(thrown))) };
}

/** Undoes {@linkcode encodeError}. */
export function decodeError(encoded: Encoded): unknown {
  return decodeThrown(
    decodeValue(encoded) as Parameters<typeof decodeThrown>[0],
  );
}
