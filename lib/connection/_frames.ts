// Cuts a byte stream into frames (a 4-byte big-endian length, then the
// body), holding at most one partial frame per connection, and, across all
// the connections sharing a `PartialBudget`, a bounded total of such bytes.
// Every socket this library opens (manager connections, `Listener` and
// `Client`) speaks in these frames.

const HEADER = 4;

/** The largest frame either side sends or accepts (64 MiB). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** The largest frame accepted before the handshake is done. */
export const HANDSHAKE_FRAME_BYTES = 1024;

/** Bytes held in partial frames across connections, and the cap. */
export interface PartialBudget {
  held: number;
  readonly limit: number;
}

/** Options of a {@linkcode FrameReader}. */
export interface FrameReaderOptions {
  /** Shared with other readers; a reader going over it breaks. */
  budget?: PartialBudget;
}

function readHeader(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) |
    bytes[at + 3]) >>> 0;
}

/**
 * Cuts a byte stream into frame bodies. `push` returns why it stopped (a
 * frame larger than `limit`, or the shared budget exhausted), else `null`.
 */
export class FrameReader {
  /** Received bytes not yet parsed; joined only once enough have come. */
  #pending: Uint8Array[] = [];
  #buffered = 0;
  /** How many buffered bytes the next frame needs. */
  #needed = HEADER;
  #onFrame: (body: Uint8Array) => void;
  #budget: PartialBudget;
  /** The largest frame accepted now. */
  limit: number = MAX_FRAME_BYTES;

  constructor(
    onFrame: (body: Uint8Array) => void,
    options?: FrameReaderOptions,
  ) {
    this.#onFrame = onFrame;
    this.#budget = options?.budget ?? { held: 0, limit: Infinity };
  }

  /** Bytes held for a frame not complete yet. */
  get held(): number {
    return this.#buffered;
  }

  /** Feeds received bytes; calls `onFrame` for each complete frame. */
  push(chunk: Uint8Array): string | null {
    // A copy: the runtime may reuse the chunk's memory.
    // (`new Uint8Array`: a Node Buffer's `slice()` is a view, not a copy.)
    this.#pending.push(new Uint8Array(chunk));
    this.#hold(this.#buffered + chunk.length);
    if (this.#budget.held > this.#budget.limit) {
      this.release();
      return `the server holds more than ${this.#budget.limit} bytes of partial frames`;
    }
    if (this.#buffered < this.#needed) return null;
    let buffer = this.#pending[0];
    if (this.#pending.length > 1) {
      buffer = new Uint8Array(this.#buffered);
      let at = 0;
      for (const part of this.#pending) {
        buffer.set(part, at);
        at += part.length;
      }
    }
    let at = 0;
    this.#needed = HEADER;
    while (buffer.length - at >= HEADER) {
      const size = readHeader(buffer, at);
      if (size > this.limit) {
        this.release();
        return `a frame is larger than ${this.limit} bytes`;
      }
      if (buffer.length - at - HEADER < size) {
        this.#needed = HEADER + size;
        break;
      }
      const body = buffer.subarray(at + HEADER, at + HEADER + size);
      at += HEADER + size;
      this.#onFrame(body);
    }
    const rest = buffer.subarray(at);
    this.#pending = rest.length === 0 ? [] : [rest];
    this.#hold(rest.length);
    return null;
  }

  /** Drops what is held (the connection ended). */
  release(): void {
    this.#pending = [];
    this.#hold(0);
  }

  #hold(bytes: number): void {
    this.#budget.held += bytes - this.#buffered;
    this.#buffered = bytes;
  }
}
