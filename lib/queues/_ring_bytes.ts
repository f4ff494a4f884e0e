// The bytes of a ring (see `_ring.ts`): a power-of-two block addressed by
// byte counters that wrap, each message prefixed with its length (4 bytes,
// little-endian). Copies in and out take the wrap into account.

/** Bytes of a message's length prefix. */
export const LENGTH_BYTES = 4;
/** Copies up to this many bytes go byte by byte (no view, no call). */
const SMALL = 128;

/** A ring's data bytes, and the prefix of the message being written. */
export class RingBytes {
  readonly #data: Uint8Array;
  readonly #mask: number;
  readonly #prefix = new Uint8Array(LENGTH_BYTES);

  constructor(data: Uint8Array) {
    this.#data = data;
    this.#mask = data.length - 1;
  }

  /** Sets the prefix the next `copyIn` from byte 0 writes. */
  setPrefix(length: number): void {
    const prefix = this.#prefix;
    prefix[0] = length;
    prefix[1] = length >>> 8;
    prefix[2] = length >>> 16;
    prefix[3] = length >>> 24;
  }

  /** The little-endian length prefix at byte counter `at`. */
  lengthAt(at: number): number {
    const data = this.#data;
    const mask = this.#mask;
    return (data[at & mask] | data[(at + 1) & mask] << 8 |
      data[(at + 2) & mask] << 16 | data[(at + 3) & mask] << 24) >>> 0;
  }

  /**
   * Copies bytes [from, from + n) of the message (prefix + body) in, at
   * byte counter `at`.
   */
  copyIn(at: number, body: Uint8Array, from: number, n: number): void {
    const data = this.#data;
    for (; from < LENGTH_BYTES && n > 0; from++, n--) {
      data[at++ & this.#mask] = this.#prefix[from];
    }
    if (n === 0) return;
    const offset = from - LENGTH_BYTES;
    if (n <= SMALL) {
      for (let i = 0; i < n; i++) {
        data[(at + i) & this.#mask] = body[offset + i];
      }
      return;
    }
    const start = at & this.#mask;
    const first = Math.min(n, data.length - start);
    data.set(
      offset === 0 && first === body.length
        ? body
        : body.subarray(offset, offset + first),
      start,
    );
    if (first < n) data.set(body.subarray(offset + first, offset + n), 0);
  }

  /** Fills `out` from the ring, starting at byte counter `at`. */
  copyOut(out: Uint8Array, at: number): void {
    if (out.length <= SMALL) {
      const data = this.#data;
      const mask = this.#mask;
      for (let i = 0; i < out.length; i++) out[i] = data[(at + i) & mask];
      return;
    }
    const start = at & this.#mask;
    const first = Math.min(out.length, this.#data.length - start);
    out.set(this.#data.subarray(start, start + first));
    if (first < out.length) {
      out.set(this.#data.subarray(0, out.length - first), first);
    }
  }
}
