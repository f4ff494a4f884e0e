// The byte-level arguments of a Connection: views of what `sendBytes` sends,
// and where `recvBytesInto` may write. Offsets and sizes are in bytes, as in
// Python.
import { describe } from "../_core/validate.ts";
import { BufferTooShort } from "../errors.ts";

/** `data` as bytes, or `null` if it is not a typed array, DataView or buffer. */
function bytesOf(data: unknown): Uint8Array | null {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : data instanceof ArrayBuffer || data instanceof SharedArrayBuffer
    ? new Uint8Array(data)
    : null;
}

function notBytes(what: string, name: string, data: unknown): TypeError {
  return new TypeError(
    `Cannot ${what} Connection: ${name} must be bytes, received ${
      describe(data)
    }`,
  );
}

/** The `size` bytes of `data` from `offset` that `sendBytes` sends, copied. */
export function sendable(
  what: string,
  data: unknown,
  offset: number,
  size: number | undefined,
): Uint8Array {
  const bytes = bytesOf(data);
  if (bytes === null) throw notBytes(what, "data", data);
  const count = size ?? bytes.length - offset;
  if (
    !Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 ||
    count < 0 || offset + count > bytes.length
  ) {
    throw new RangeError(
      `Cannot ${what} Connection: offset and size must lie within the ${bytes.length} bytes, received ${offset} and ${size}`,
    );
  }
  return bytes.slice(offset, offset + count);
}

/** Checks `maxlength` of `recvBytes`; `Infinity` when none was given. */
export function checkMaxlength(what: string, maxlength: unknown): number {
  if (maxlength === undefined || maxlength === null) return Infinity;
  if (
    typeof maxlength !== "number" || !Number.isInteger(maxlength) ||
    maxlength < 0
  ) {
    throw new RangeError(
      `Cannot ${what} Connection: maxlength must be an integer >= 0, received ${
        describe(maxlength)
      }`,
    );
  }
  return maxlength;
}

/** Throws `BufferTooShort` carrying `message` if it is over `maxlength`. */
export function withinMaxlength(
  what: string,
  message: Uint8Array,
  maxlength: number,
): Uint8Array {
  if (message.length > maxlength) {
    throw new BufferTooShort(
      `Cannot ${what} Connection: the message is ${message.length} bytes, more than maxlength ${maxlength}`,
      message,
    );
  }
  return message;
}

/** Where `recvBytesInto` writes: `buffer`'s bytes from `offset`. */
export function writableRoom(
  what: string,
  buffer: unknown,
  offset: unknown,
): Uint8Array {
  const bytes = bytesOf(buffer);
  if (bytes === null) throw notBytes(what, "buffer", buffer);
  if (
    typeof offset !== "number" || !Number.isInteger(offset) || offset < 0 ||
    offset > bytes.length
  ) {
    throw new RangeError(
      `Cannot ${what} Connection: offset must be an integer from 0 to ${bytes.length}, received ${
        describe(offset)
      }`,
    );
  }
  return bytes.subarray(offset);
}

/** Copies `message` into `room`; throws `BufferTooShort` if it does not fit. */
export function copyInto(
  what: string,
  message: Uint8Array,
  room: Uint8Array,
  offset: number,
): number {
  if (message.length > room.length) {
    throw new BufferTooShort(
      `Cannot ${what} Connection: the message is ${message.length} bytes, more than the ${room.length} bytes from offset ${offset} of the buffer`,
      message,
    );
  }
  room.set(message);
  return message.length;
}
