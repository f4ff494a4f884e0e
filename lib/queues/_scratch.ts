// Reusable bytes for the item a thread is putting or getting right now, so
// that a small item costs no typed-array allocation (on Deno a fresh small
// Uint8Array costs more than the JSON text in it). A view of each small
// length is made once; bytes from here are valid until the next call on
// the same side (outgoing or incoming) on this thread.

/** Items up to this many bytes use the reusable bytes. */
export const SCRATCH_BYTES = 512;

/** `views[n]`: the first `n` bytes of `bytes`; made on first use. */
class Scratch {
  readonly bytes = new Uint8Array(SCRATCH_BYTES);
  #views: (Uint8Array | undefined)[] = [];
  #bodies: (Uint8Array | undefined)[] = [];

  /** `n` bytes to fill: these, if small, else fresh ones. */
  take(n: number): Uint8Array {
    if (n > SCRATCH_BYTES) return new Uint8Array(n);
    return this.#views[n] ??= this.bytes.subarray(0, n);
  }

  /** Whether `bytes` are these reusable ones (from `take`). */
  owns(bytes: Uint8Array): boolean {
    return bytes.buffer === this.bytes.buffer;
  }

  /** Bytes [1, n) of `message`: the body after its tag byte. */
  body(message: Uint8Array): Uint8Array {
    const n = message.length;
    if (n > SCRATCH_BYTES || message !== this.#views[n]) {
      return message.subarray(1);
    }
    return this.#bodies[n] ??= this.bytes.subarray(1, n);
  }
}

/** What this thread is putting. */
export const outgoing: Scratch = new Scratch();
/** What this thread is getting. */
export const incoming: Scratch = new Scratch();
