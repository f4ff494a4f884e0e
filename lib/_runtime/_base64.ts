// Base64 for bytes: the built-in `Uint8Array` methods where the runtime has
// them (Deno, Bun), else `node:buffer` (Node 22 and 24), both native.
import type * as NodeBuffer from "node:buffer";
import { builtin } from "./_builtin.ts";

interface Base64Bytes {
  toBase64(): string;
}
interface Base64Constructor {
  fromBase64(text: string): Uint8Array<ArrayBuffer>;
}

const native = typeof (Uint8Array.prototype as Partial<Base64Bytes>)
  .toBase64 === "function";
const buffer = () => builtin<typeof NodeBuffer>("node:buffer").Buffer;

/** `bytes` as base64 text. */
export function toBase64(bytes: Uint8Array): string {
  if (native) return (bytes as unknown as Base64Bytes).toBase64();
  return buffer().from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("base64");
}

/** The bytes of base64 `text`, in a buffer of their own. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  if (native) {
    return (Uint8Array as unknown as Base64Constructor).fromBase64(text);
  }
  const decoded = buffer().from(text, "base64");
  return new Uint8Array(decoded); // a copy: Buffer's memory may be pooled
}
