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

/** Encodes `value` as base64 text; throws a `TypeError` naming `what` if it cannot. */
export function encodeValue(what: string, value: unknown): string {
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
  return toBase64(bytes);
}

/** Undoes {@linkcode encodeValue}. */
export function decodeValue(text: string): unknown {
  return unpack(fromBase64(text));
}

/** A thrown value as text: an error keeps its class, message and stack. */
export function encodeError(thrown: unknown): string {
  return toBase64(pack(encodeThrown(thrown)));
}

/** Undoes {@linkcode encodeError}. */
export function decodeError(text: string): unknown {
  return decodeThrown(
    unpack(fromBase64(text)) as Parameters<typeof decodeThrown>[0],
  );
}

const SLICE = 0x8000;

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += SLICE) {
    binary += String.fromCharCode.apply(
      null,
      bytes.subarray(i, i + SLICE) as unknown as number[],
    );
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
