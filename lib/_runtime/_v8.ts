// The structured-clone serializer every runtime ships as `node:v8`: the same
// format `postMessage` uses (Map, Set, Date, bigint, typed arrays, cycles);
// loaded on first use.
import { builtin } from "./_builtin.ts";

const v8 = () => builtin<typeof import("node:v8")>("node:v8");

/** Serializes a structured-cloneable value; throws if it is not cloneable. */
export function serialize(value: unknown): Uint8Array {
  return v8().serialize(value);
}

/** Rebuilds a value from {@linkcode serialize}'s bytes. */
export function deserialize(bytes: Uint8Array): unknown {
  return v8().deserialize(bytes);
}
