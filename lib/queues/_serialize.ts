// Items as bytes, for queues and pipes. The runtime's structured-clone
// serializer (`node:v8`) carries anything `postMessage` can; JSON text is
// 4–7× faster to write and read on all three runtimes, so values that JSON
// carries exactly (finite numbers other than -0, strings, booleans, null,
// dense arrays and plain objects of those) take that path. The first byte
// says which.
import { runtime } from "../_runtime/mod.ts";
import { reduce } from "../_core/codec.ts";
import { describe } from "../_core/validate.ts";
import { incoming, outgoing, SCRATCH_BYTES } from "./_scratch.ts";

const V8 = 0;
const JSON_TEXT = 1;
/** Deeper values (or cycles) go to the structured-clone serializer. */
const MAX_DEPTH = 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function jsonExact(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth === MAX_DEPTH) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const items = value as unknown[];
    const n = items.length;
    for (let i = 0; i < n; i++) {
      if (!(i in items) || !jsonExact(items[i], depth + 1)) return false;
    }
    // A hole fails above; a key other than an index (a regexp match's
    // `index`, say) makes the count differ: JSON would drop it. (Indexing
    // then counting keys is 2–4× faster than for-in over an array.)
    return Object.keys(items).length === n;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    if (!jsonExact((value as Record<string, unknown>)[key], depth + 1)) {
      return false;
    }
  }
  return true;
}

// Node and Deno refuse shared memory in their serializer and Bun copies
// it; refusing it here gives every runtime the same error.
function isShared(value: unknown): value is SharedArrayBuffer {
  return value instanceof SharedArrayBuffer;
}

/**
 * The first value inside `value` that must not travel as an item: a function
 * or symbol (not cloneable), a shareable object (its shared memory would
 * not come along: it would arrive as an empty object), or shared memory
 * itself (a `SharedArrayBuffer` or a view of one).
 */
function refused(value: unknown, depth = 0): unknown {
  if (typeof value === "function" || typeof value === "symbol") return value;
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) {
    return undefined;
  }
  if (ArrayBuffer.isView(value)) {
    return isShared(value.buffer) ? value : undefined;
  }
  if (isShared(value)) return value;
  if (reduce in value) return value;
  const items = value instanceof Map
    ? [...value.keys(), ...value.values()]
    : value instanceof Set
    ? [...value]
    : Object.values(value);
  for (const item of items) {
    const found = refused(item, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Serializes `item` for a queue or pipe. A small item's bytes are this
 * thread's reusable outgoing bytes (see `_scratch.ts`): valid until the
 * next `pack()` on this thread, so write them out (or copy them) first.
 *
 * @throws {TypeError} "Cannot <what>: …" if `item` is not structured-cloneable
 * or holds a shareable object.
 */
export function pack(what: string, item: unknown): Uint8Array {
  if (jsonExact(item, 0)) return packText(JSON.stringify(item));
  const culprit = refused(item);
  if (
    isShared(culprit) ||
    (ArrayBuffer.isView(culprit) && isShared(culprit.buffer))
  ) {
    throw new TypeError(
      `Cannot ${what}: shared memory travels as a Process argument, not inside items, received ${
        describe(culprit)
      }`,
    );
  }
  if (typeof culprit === "object" && culprit !== null) {
    throw new TypeError(
      `Cannot ${what}: shared objects travel as Process arguments, not inside items, received ${
        describe(culprit)
      }`,
    );
  }
  let body: Uint8Array;
  try {
    body = runtime.serialize(item);
  } catch (error) {
    throw new TypeError(
      `Cannot ${what}: it is not structured-cloneable, received ${
        describe(culprit ?? item)
      }`,
      { cause: error },
    );
  }
  const bytes = new Uint8Array(1 + body.length);
  bytes[0] = V8;
  bytes.set(body, 1);
  return bytes;
}

/** JSON text as bytes after the JSON_TEXT tag. */
function packText(text: string): Uint8Array {
  const n = text.length;
  if (n < SCRATCH_BYTES) {
    // A small item's JSON is mostly ASCII: copying it in a loop spares the
    // native encoder's call cost, which dominates at this size (2–8×).
    const bytes = outgoing.take(1 + n);
    bytes[0] = JSON_TEXT;
    let i = 0;
    for (let code; i < n && (code = text.charCodeAt(i)) < 0x80; i++) {
      bytes[1 + i] = code;
    }
    if (i === n) return bytes;
  }
  const bytes = 3 * n < SCRATCH_BYTES
    ? outgoing.bytes
    : new Uint8Array(1 + n * 3);
  bytes[0] = JSON_TEXT;
  const { written } = encoder.encodeInto(text, bytes.subarray(1));
  return bytes === outgoing.bytes
    ? outgoing.take(1 + written)
    : bytes.subarray(0, 1 + written);
}

/** Rebuilds an item from {@linkcode pack}'s bytes (reusable ones included). */
export function unpack(bytes: Uint8Array): unknown {
  if (bytes[0] === JSON_TEXT) {
    return JSON.parse(decoder.decode(incoming.body(bytes)));
  }
  // A deserialized typed array may share the memory it came from: reusable
  // bytes are copied first.
  return runtime.deserialize(
    incoming.owns(bytes) ? bytes.slice(1) : bytes.subarray(1),
  );
}
