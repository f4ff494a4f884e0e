/**
 * `Pipe()`: two connected `Connection` ends in shared memory.
 *
 * @module
 */
import {
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import { block, blockAsync, type Steps } from "../sync/_futex.ts";
import {
  initRing,
  READER_GONE,
  type Refused,
  Ring,
  ringLength,
  WRITER_GONE,
} from "./_ring.ts";
import { pack, unpack } from "./_serialize.ts";
import { describe } from "../_core/validate.ts";
import { EOFError, ProcessError } from "../errors.ts";
import { checkTimeout, deadlineOf } from "../_core/timeout.ts";

/** Bytes of shared memory per direction; larger messages stream through. */
const CAPACITY = 1 << 16;
const UNBOUNDED = 0x7fffffff;

interface Ends {
  readonly reader: Int32Array | null;
  readonly writer: Int32Array | null;
}

let building: Ends | null = null;

/**
 * One end of a {@linkcode Pipe}, like Python's `multiprocessing.connection
 * .Connection`. Passed to a `Process` it arrives as the same end. `recv()`
 * blocks its thread, which is right in worker code; on the main thread use
 * `recvAsync()`.
 *
 * Unlike Python, where the other end sees end-of-file only once every copy
 * of this end is closed, `close()` on any copy closes the end for everyone.
 *
 * @example Usage
 * ```ts
 * import { Pipe } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = Pipe();
 * a.send({ hello: [1, 2n] });
 * assert.deepEqual(await b.recvAsync(), { hello: [1, 2n] });
 * ```
 */
export class Connection {
  #reader: Ring | null;
  #writer: Ring | null;
  #closed = false;

  /**
   * Connections come from {@linkcode Pipe}; this constructor is not public.
   *
   * @throws {TypeError} If called directly.
   */
  constructor() {
    if (building === null) {
      throw new TypeError(
        "Cannot create Connection: use Pipe() to make a connected pair",
      );
    }
    const { reader, writer } = building;
    building = null;
    this.#reader = reader && new Ring(reader);
    this.#writer = writer && new Ring(writer);
  }

  /** Whether `close()` was called on this object. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this end can receive. */
  get readable(): boolean {
    return this.#reader !== null;
  }

  /** Whether this end can send. */
  get writable(): boolean {
    return this.#writer !== null;
  }

  #ring(what: string, ring: Ring | null, missing: string): Ring {
    if (this.#closed) {
      throw new ProcessError(`Cannot ${what} Connection: it is closed`);
    }
    if (ring === null) {
      throw new ProcessError(`Cannot ${what} Connection: it is ${missing}`);
    }
    return ring;
  }

  #send(what: string, bytes: Uint8Array): void {
    const ring = this.#ring(what, this.#writer, "read-only");
    if (ring.put(bytes, Infinity) !== null) {
      throw new ProcessError(
        `Cannot ${what} Connection: the other end is closed`,
      );
    }
  }

  #received(what: string, got: Uint8Array | Refused): Uint8Array {
    if (typeof got === "string") {
      throw new EOFError(
        `Cannot ${what} Connection: the other end is closed and nothing is left`,
      );
    }
    return got;
  }

  #reading(what: string): Ring {
    return this.#ring(what, this.#reader, "write-only");
  }

  /**
   * Sends a structured-cloneable value to the other end.
   *
   * @param value What to send.
   * @throws {TypeError} If `value` is not structured-cloneable or holds a
   * shared object (Lock, Queue, …: pass those as Process arguments).
   * @throws {ProcessError} If this end is closed or read-only, or the other
   * end is closed.
   */
  send(value: unknown): void {
    const what = "send on";
    this.#send(what, pack(`${what} Connection`, value));
  }

  /**
   * Receives the next value, blocking this thread until one arrives.
   *
   * @returns The value.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed or write-only.
   */
  recv(): unknown {
    const what = "receive on";
    return unpack(
      this.#received(what, this.#reading(what).get(Infinity)),
    );
  }

  /**
   * Receives the next value without blocking the event loop.
   *
   * @returns A promise of the value.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed or write-only.
   */
  async recvAsync(): Promise<unknown> {
    const what = "receive on";
    const ring = this.#reading(what);
    return unpack(
      this.#received(what, await ring.getAsync(Infinity)),
    );
  }

  /**
   * Sends raw bytes: `size` bytes of `data` from `offset`.
   *
   * @param data The bytes (any typed array, DataView or ArrayBuffer).
   * @param offset Where to start, in bytes. @default 0
   * @param size How many bytes. @default the rest
   * @throws {RangeError} If `offset` or `size` fall outside `data`.
   * @throws {TypeError} If `data` is not bytes.
   * @throws {ProcessError} If this end is closed or read-only, or the other
   * end is closed.
   */
  sendBytes(
    data: ArrayBufferView | ArrayBufferLike,
    offset: number = 0,
    size?: number,
  ): void {
    const what = "send bytes on";
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : data instanceof ArrayBuffer || data instanceof SharedArrayBuffer
      ? new Uint8Array(data)
      : null;
    if (bytes === null) {
      throw new TypeError(
        `Cannot ${what} Connection: data must be bytes, received ${
          describe(data)
        }`,
      );
    }
    const count = size ?? bytes.length - offset;
    if (
      !Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 ||
      count < 0 || offset + count > bytes.length
    ) {
      throw new RangeError(
        `Cannot ${what} Connection: offset and size must lie within the ${bytes.length} bytes, received ${offset} and ${size}`,
      );
    }
    this.#send(what, bytes.slice(offset, offset + count));
  }

  /**
   * Receives the next message as bytes, blocking this thread until one
   * arrives.
   *
   * @returns A copy of the message's bytes.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed or write-only.
   */
  recvBytes(): Uint8Array {
    const what = "receive bytes on";
    return this.#received(
      what,
      this.#reading(what).get(Infinity),
    );
  }

  /**
   * Receives the next message as bytes without blocking the event loop.
   *
   * @returns A promise of the message's bytes.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed or write-only.
   */
  async recvBytesAsync(): Promise<Uint8Array> {
    const what = "receive bytes on";
    const ring = this.#reading(what);
    return this.#received(what, await ring.getAsync(Infinity));
  }

  #pollSteps(timeoutMs: number | null | undefined): Steps<boolean> {
    const what = "poll";
    const ring = this.#reading(what);
    const ms = timeoutMs === null
      ? undefined
      : checkTimeout(`${what} Connection`, timeoutMs) ?? 0;
    return ring.pollSteps(deadlineOf(ms));
  }

  /**
   * Whether a message (or end-of-file) can be received, waiting up to
   * `timeoutMs` for one; `null` waits as long as it takes.
   *
   * @param timeoutMs The longest wait, in ms. @default 0
   * @returns `true` if `recv()` would not block.
   * @throws {ProcessError} If this end is closed or write-only.
   */
  poll(timeoutMs?: number | null): boolean {
    return block(this.#pollSteps(timeoutMs));
  }

  /**
   * Like {@linkcode Connection.poll}, without blocking the event loop.
   *
   * @param timeoutMs The longest wait, in ms. @default 0
   * @returns A promise of whether `recv()` would not block.
   * @throws {ProcessError} If this end is closed or write-only.
   */
  pollAsync(timeoutMs?: number | null): Promise<boolean> {
    try {
      return blockAsync(this.#pollSteps(timeoutMs));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Closes this end: the other end receives what was sent, then
   * `EOFError`; sending to this end then fails. Closing twice is harmless.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer?.close(WRITER_GONE);
    this.#reader?.close(READER_GONE);
  }

  /** Closes this end at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @ignore */
  [reduce](): Reduced {
    return reduced("Connection", {
      reader: this.#reader?.cells ?? null,
      writer: this.#writer?.cells ?? null,
    });
  }
}

function connection(ends: Ends): Connection {
  building = ends;
  return new Connection();
}

function ring(buffer: SharedArrayBuffer, index: number): Int32Array {
  const length = ringLength(CAPACITY);
  const cells = new Int32Array(buffer, index * length * 4, length);
  initRing(cells, UNBOUNDED);
  return cells;
}

/**
 * Creates a pipe, like Python's `multiprocessing.Pipe`: two connected ends
 * in shared memory. With `duplex` (the default) both ends send and
 * receive; otherwise the first end only receives and the second only sends.
 *
 * @param duplex Whether both ends may send. @default true
 * @returns The two ends.
 * @throws {TypeError} If `duplex` is not a boolean.
 *
 * @example Usage
 * ```ts
 * import { Pipe } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const [receiver, sender] = Pipe(false);
 * sender.send("ping");
 * assert.equal(receiver.poll(), true);
 * assert.equal(receiver.recv(), "ping");
 * ```
 */
export function Pipe(duplex: boolean = true): [Connection, Connection] {
  if (typeof duplex !== "boolean") {
    throw new TypeError(
      `Cannot create Pipe: duplex must be a boolean, received ${
        describe(duplex)
      }`,
    );
  }
  const buffer = new SharedArrayBuffer(
    (duplex ? 2 : 1) * ringLength(CAPACITY) * 4,
  );
  const forward = ring(buffer, 0);
  if (!duplex) {
    return [
      connection({ reader: forward, writer: null }),
      connection({ reader: null, writer: forward }),
    ];
  }
  const backward = ring(buffer, 1);
  return [
    connection({ reader: backward, writer: forward }),
    connection({ reader: forward, writer: backward }),
  ];
}

registerShareable("Connection", (state) => connection(state as Ends));
