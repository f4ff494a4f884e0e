/**
 * `Connection`: one end of a `Pipe()`, in shared memory.
 *
 * @module
 */
import {
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import { Adopted, adoptedOnly } from "../_core/shared.ts";
import { block, blockAsync, type Steps } from "../sync/_futex.ts";
import { READER_GONE, type Refused, Ring, WRITER_GONE } from "./_ring.ts";
import { pack, unpack } from "./_serialize.ts";
import { End, forgetIfGone, remember } from "./_handles.ts";
import {
  checkMaxlength,
  copyInto,
  sendable,
  withinMaxlength,
  writableRoom,
} from "./_bytes.ts";
import type { Ends } from "./_ends.ts";
import { identity } from "../_core/identity.ts";
import { EOFError, ProcessError } from "../errors.ts";
import { checkTimeout, deadlineOf } from "../_core/timeout.ts";

/** What a Connection is built from, and whether it is rebuilt in a thread. */
interface Building {
  readonly ends: Ends;
  readonly rebuilt: boolean;
}

/** Releases the handle of a Connection that was collected without close(). */
const collected = new FinalizationRegistry<{ end: End; pid: number }>(
  ({ end, pid }) => {
    end.release(pid);
    forgetIfGone(end);
  },
);

/**
 * One end of a `Pipe`, like Python's `multiprocessing.connection
 * .Connection`. Passed to a `Process` it arrives as the same end. `recv()`
 * blocks its thread, which is right in worker code; on the main thread use
 * `recvAsync()`.
 *
 * As in Python, each thread holds its own handle: `close()` releases this
 * thread's handle only, and the other end sees end-of-file once every
 * handle of this end is closed (or collected), or held by a thread that has
 * exited. So a parent may close the copy it passed to a `Process` right
 * after `start()`, and `recvAsync()` throws `EOFError` once the child that
 * held the other end has exited.
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
  #end: End;
  #pid: number;
  #closed = false;

  /**
   * Connections come from `Pipe()`; this constructor is not public.
   *
   * @throws {TypeError} If called directly.
   */
  constructor();
  /** @ignore The ends of a new or rebuilt connection. */
  constructor(ends: Adopted<Building>);
  constructor(ends?: Adopted<Building>) {
    const { ends: { reader, writer, handles }, rebuilt } = adoptedOnly(
      ends,
      "Connection",
      "Pipe() to make a connected pair",
    );
    this.#reader = reader && new Ring(reader);
    this.#writer = writer && new Ring(writer);
    const readRing = this.#reader;
    const writeRing = this.#writer;
    this.#end = new End(handles, () => {
      writeRing?.close(WRITER_GONE);
      readRing?.close(READER_GONE);
    });
    this.#pid = identity().pid;
    if (rebuilt) this.#end.claim(this.#pid);
    else this.#end.open(this.#pid);
    remember(this.#end);
    collected.register(this, { end: this.#end, pid: this.#pid }, this);
  }

  /** Whether `close()` was called on this object (this thread's handle). */
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
    this.#send(what, sendable(what, data, offset, size));
  }

  /**
   * Receives the next message as bytes, blocking this thread until one
   * arrives.
   *
   * @param maxlength The longest message accepted, in bytes; none by default.
   * @returns A copy of the message's bytes.
   * @throws {BufferTooShort} If the message is longer than `maxlength`;
   * its `data` carries the message (Python raises `OSError` and loses it).
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed or write-only.
   * @throws {RangeError} If `maxlength` is not an integer >= 0.
   */
  recvBytes(maxlength?: number): Uint8Array {
    const what = "receive bytes on";
    const most = checkMaxlength(what, maxlength);
    const message = this.#received(what, this.#reading(what).get(Infinity));
    return withinMaxlength(what, message, most);
  }

  /**
   * Receives the next message as bytes without blocking the event loop.
   *
   * @param maxlength The longest message accepted, in bytes; none by default.
   * @returns A promise of the message's bytes.
   * @throws {BufferTooShort} If the message is longer than `maxlength`.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed or write-only.
   */
  async recvBytesAsync(maxlength?: number): Promise<Uint8Array> {
    const what = "receive bytes on";
    const most = checkMaxlength(what, maxlength);
    const ring = this.#reading(what);
    const message = this.#received(what, await ring.getAsync(Infinity));
    return withinMaxlength(what, message, most);
  }

  /**
   * Receives the next message into `buffer` from byte `offset`, blocking
   * this thread until one arrives, like Python's `recv_bytes_into`.
   *
   * @param buffer Where to write (any typed array, DataView or ArrayBuffer).
   * @param offset Where to start, in bytes. @default 0
   * @returns The message's length in bytes.
   * @throws {BufferTooShort} If the message does not fit; its `data`
   * carries the whole message and `buffer` is left as it was.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed or write-only.
   * @throws {TypeError} If `buffer` is not bytes.
   * @throws {RangeError} If `offset` is not an integer within `buffer`.
   */
  recvBytesInto(
    buffer: ArrayBufferView | ArrayBufferLike,
    offset: number = 0,
  ): number {
    const what = "receive bytes into a buffer on";
    const room = writableRoom(what, buffer, offset);
    const message = this.#received(what, this.#reading(what).get(Infinity));
    return copyInto(what, message, room, offset);
  }

  /**
   * Like {@linkcode Connection.recvBytesInto}, without blocking the event
   * loop.
   *
   * @param buffer Where to write (any typed array, DataView or ArrayBuffer).
   * @param offset Where to start, in bytes. @default 0
   * @returns A promise of the message's length in bytes.
   * @throws {BufferTooShort} If the message does not fit.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed or write-only.
   */
  async recvBytesIntoAsync(
    buffer: ArrayBufferView | ArrayBufferLike,
    offset: number = 0,
  ): Promise<number> {
    const what = "receive bytes into a buffer on";
    const room = writableRoom(what, buffer, offset);
    const ring = this.#reading(what);
    const message = this.#received(what, await ring.getAsync(Infinity));
    return copyInto(what, message, room, offset);
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
   * Closes this thread's handle of this end; calls on this object then
   * throw. Once every handle of this end is closed (in every thread, or
   * the thread holding it has exited), the other end receives what was
   * sent, then `EOFError`, and its sends fail. Closing twice is harmless.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    collected.unregister(this);
    this.#end.release(this.#pid);
    forgetIfGone(this.#end);
  }

  /** Closes this end at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @ignore */
  [reduce](): Reduced {
    if (this.#closed) {
      throw new ProcessError(
        "Cannot send Connection to another thread: it is closed",
      );
    }
    // The receiving thread claims this handle when it rebuilds the end.
    this.#end.lend();
    const ends: Ends = {
      reader: this.#reader?.cells ?? null,
      writer: this.#writer?.cells ?? null,
      handles: this.#end.cells,
    };
    return reduced("Connection", ends);
  }
}

registerShareable(
  "Connection",
  (ends) => new Connection(new Adopted({ ends: ends as Ends, rebuilt: true })),
);
