/**
 * `SocketConnection`: a connection over TCP or a Unix socket, made by
 * `Client()` or `Listener.acceptAsync()`, with the API of `Pipe()`'s ends.
 *
 * @module
 */
import { reduce, type Reduced } from "../_core/codec.ts";
import { type Adopted, adoptedOnly } from "../_core/shared.ts";
import { checkTimeout } from "../_core/timeout.ts";
import { EOFError, ProcessError } from "../errors.ts";
import {
  checkMaxlength,
  copyInto,
  sendable,
  withinMaxlength,
  writableRoom,
} from "../queues/_bytes.ts";
import { MAX_FRAME_BYTES } from "./_frames.ts";
import type { Peer } from "./_peer.ts";
import { WireCodec } from "./_wire.ts";

/**
 * One end of a connection over TCP or a Unix socket, like Python's
 * `multiprocessing.connection.Connection` made by `Client()` or
 * `Listener.accept()`. Values travel as MessagePack (see the README):
 * JSON-like data, `Uint8Array`, `bigint`, `Map`, `Set` and `Date`; class
 * instances arrive as plain objects, `undefined` as `null`, other typed
 * arrays as their bytes, so a peer on another runtime or machine reads
 * them alike.
 *
 * The socket is read by this thread's event loop, so the **async forms are
 * the primary API**: `recvAsync`, `recvBytesAsync`, `recvBytesIntoAsync`,
 * `pollAsync`. The sync forms that work without blocking are `send`,
 * `sendBytes` (they queue the bytes and return), `close`, and `poll()`
 * with no timeout; `recv`, `recvBytes`, `recvBytesInto` and a timed
 * `poll` return only what has already arrived (check with `poll()`), and
 * throw a `ProcessError` rather than block the loop that would bring it.
 * It belongs to the thread that made it: to use a socket from a worker,
 * call `Client()` there.
 *
 * @example Usage
 * ```ts
 * import { Client, Listener } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using listener = await Listener({ authkey: "secret" });
 * const accepted = listener.acceptAsync();
 * await using client = await Client(listener.address, { authkey: "secret" });
 * await using server = await accepted;
 * client.send({ hello: [1, 2n] });
 * assert.deepEqual(await server.recvAsync(), { hello: [1, 2n] });
 * ```
 */
export class SocketConnection {
  #peer: Peer;
  #codec: WireCodec;
  #closed = false;

  /**
   * Connections come from {@linkcode Client} and `Listener.acceptAsync()`;
   * this constructor is not public.
   *
   * @throws {TypeError} If called directly.
   */
  constructor();
  /** @ignore The socket, its handshake done. */
  constructor(peer: Adopted<Peer>);
  constructor(peer?: Adopted<Peer>) {
    this.#peer = adoptedOnly(
      peer,
      "SocketConnection",
      "Client() or Listener.acceptAsync()",
    );
    this.#codec = new WireCodec(this.#peer);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Always `true`: a socket connection is duplex. */
  get readable(): boolean {
    return true;
  }

  /** Always `true`: a socket connection is duplex. */
  get writable(): boolean {
    return true;
  }

  #open(what: string): Peer {
    if (this.#closed) {
      throw new ProcessError(`Cannot ${what} Connection: it is closed`);
    }
    return this.#peer;
  }

  #send(what: string, body: Uint8Array): void {
    const peer = this.#open(what);
    if (body.length > MAX_FRAME_BYTES) {
      throw new RangeError(
        `Cannot ${what} Connection: the message is ${body.length} bytes, over the limit of ${MAX_FRAME_BYTES} bytes (64 MiB)`,
      );
    }
    if (peer.ended !== null) {
      throw new ProcessError(
        `Cannot ${what} Connection: the connection to ${peer.where} is closed`,
      );
    }
    peer.stream.sendBytes(body, what);
  }

  /**
   * Sends a value (as MessagePack); returns at once, the bytes leave with
   * this tick's write.
   *
   * @param value What to send.
   * @throws {TypeError} If `value` cannot be encoded (a function, a symbol,
   * a shared object such as a `Lock`).
   * @throws {RangeError} If it encodes to more than 64 MiB.
   * @throws {ProcessError} If this end is closed or the connection is.
   */
  send(value: unknown): void {
    const what = "send on";
    this.#open(what);
    let body: Uint8Array;
    try {
      body = this.#codec.body(value);
    } catch (error) {
      throw new TypeError(
        `Cannot ${what} Connection: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.#send(what, body);
  }

  /**
   * Sends raw bytes: `size` bytes of `data` from `offset`.
   *
   * @param data The bytes (any typed array, DataView or ArrayBuffer).
   * @param offset Where to start, in bytes. @default 0
   * @param size How many bytes. @default the rest
   * @throws {RangeError} If `offset` or `size` fall outside `data`, or the
   * message is over 64 MiB.
   * @throws {TypeError} If `data` is not bytes.
   * @throws {ProcessError} If this end is closed or the connection is.
   */
  sendBytes(
    data: ArrayBufferView | ArrayBufferLike,
    offset: number = 0,
    size?: number,
  ): void {
    const what = "send bytes on";
    this.#send(what, sendable(what, data, offset, size));
  }

  /** The next message, which has arrived; throws at the end. */
  #take(what: string): Uint8Array {
    const peer = this.#open(what);
    const body = peer.take();
    if (body !== undefined) return body;
    if (peer.ended === "") {
      throw new EOFError(
        `Cannot ${what} Connection: the other end is closed and nothing is left`,
      );
    }
    if (peer.ended !== null) {
      throw new ProcessError(
        `Cannot ${what} Connection: the connection to ${peer.where} broke (${peer.ended})`,
      );
    }
    throw new ProcessError(
      `Cannot ${what} Connection synchronously: no message has arrived yet, and this thread's event loop, which reads the socket, cannot run while it blocks; use the async form or check poll() first`,
    );
  }

  /** The next message, waiting for it. */
  async #next(what: string): Promise<Uint8Array> {
    while (!this.#open(what).ready) await this.#peer.changed();
    return this.#take(what);
  }

  #value(what: string, body: Uint8Array): unknown {
    try {
      return this.#codec.decode(body);
    } catch (error) {
      throw new ProcessError(
        `Cannot ${what} Connection: the message is not a value sent by send() (${
          (error as Error).message
        })`,
        { cause: error },
      );
    }
  }

  /**
   * Returns the next value if it has already arrived (see `poll()`);
   * never blocks.
   *
   * @returns The value.
   * @throws {ProcessError} If no message has arrived yet, or this end is
   * closed.
   * @throws {EOFError} If the other end is closed and nothing is left.
   */
  recv(): unknown {
    const what = "receive on";
    return this.#value(what, this.#take(what));
  }

  /**
   * Receives the next value.
   *
   * @returns A promise of the value.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed.
   */
  async recvAsync(): Promise<unknown> {
    const what = "receive on";
    return this.#value(what, await this.#next(what));
  }

  /**
   * Returns the next message as bytes if it has already arrived; never
   * blocks.
   *
   * @param maxlength The longest message accepted, in bytes; none by default.
   * @returns The message's bytes.
   * @throws {BufferTooShort} If the message is longer than `maxlength`;
   * its `data` carries the message.
   * @throws {ProcessError} If no message has arrived yet, or this end is
   * closed.
   * @throws {EOFError} If the other end is closed and nothing is left.
   */
  recvBytes(maxlength?: number): Uint8Array {
    const what = "receive bytes on";
    const most = checkMaxlength(what, maxlength);
    return withinMaxlength(what, this.#take(what), most);
  }

  /**
   * Receives the next message as bytes.
   *
   * @param maxlength The longest message accepted, in bytes; none by default.
   * @returns A promise of the message's bytes.
   * @throws {BufferTooShort} If the message is longer than `maxlength`;
   * its `data` carries the message.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed.
   */
  async recvBytesAsync(maxlength?: number): Promise<Uint8Array> {
    const what = "receive bytes on";
    const most = checkMaxlength(what, maxlength);
    return withinMaxlength(what, await this.#next(what), most);
  }

  /**
   * Writes the next message into `buffer` from byte `offset` if it has
   * already arrived; never blocks.
   *
   * @param buffer Where to write (any typed array, DataView or ArrayBuffer).
   * @param offset Where to start, in bytes. @default 0
   * @returns The message's length in bytes.
   * @throws {BufferTooShort} If the message does not fit; its `data`
   * carries the whole message and `buffer` is left as it was.
   * @throws {ProcessError} If no message has arrived yet, or this end is
   * closed.
   * @throws {EOFError} If the other end is closed and nothing is left.
   */
  recvBytesInto(
    buffer: ArrayBufferView | ArrayBufferLike,
    offset: number = 0,
  ): number {
    const what = "receive bytes into a buffer on";
    const room = writableRoom(what, buffer, offset);
    return copyInto(what, this.#take(what), room, offset);
  }

  /**
   * Receives the next message into `buffer` from byte `offset`.
   *
   * @param buffer Where to write (any typed array, DataView or ArrayBuffer).
   * @param offset Where to start, in bytes. @default 0
   * @returns A promise of the message's length in bytes.
   * @throws {BufferTooShort} If the message does not fit; its `data`
   * carries the whole message and `buffer` is left as it was.
   * @throws {EOFError} If the other end is closed and nothing is left.
   * @throws {ProcessError} If this end is closed.
   */
  async recvBytesIntoAsync(
    buffer: ArrayBufferView | ArrayBufferLike,
    offset: number = 0,
  ): Promise<number> {
    const what = "receive bytes into a buffer on";
    const room = writableRoom(what, buffer, offset);
    return copyInto(what, await this.#next(what), room, offset);
  }

  /**
   * Whether a message (or end-of-file) has arrived. Never blocks: with a
   * positive timeout and nothing there it throws; use `pollAsync`.
   *
   * @param timeoutMs Must be 0, negative or omitted unless data is there.
   * @returns `true` if `recv()` would return or throw `EOFError`.
   * @throws {ProcessError} If this end is closed, or it would have to wait.
   */
  poll(timeoutMs?: number | null): boolean {
    const what = "poll";
    const ms = timeoutMs === null
      ? Infinity
      : checkTimeout(`${what} Connection`, timeoutMs) ?? 0;
    if (this.#open(what).ready || ms <= 0) return this.#peer.ready;
    throw new ProcessError(
      `Cannot poll Connection synchronously for ${ms} ms: this thread's event loop, which reads the socket, cannot run while it blocks; use pollAsync()`,
    );
  }

  /**
   * Whether a message (or end-of-file) arrives within `timeoutMs`; `null`
   * waits as long as it takes.
   *
   * @param timeoutMs The longest wait, in ms. @default 0
   * @returns A promise of whether `recv()` would not block.
   * @throws {ProcessError} If this end is closed.
   */
  async pollAsync(timeoutMs?: number | null): Promise<boolean> {
    const what = "poll";
    const ms = timeoutMs === null
      ? Infinity
      : checkTimeout(`${what} Connection`, timeoutMs) ?? 0;
    const deadline = performance.now() + ms;
    while (!this.#open(what).ready) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.#peer.changed(left);
    }
    return true;
  }

  /**
   * Closes the connection: what was sent still leaves, the other end then
   * receives `EOFError`. Calls on this object then throw; closing twice is
   * harmless.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#peer.end();
  }

  /** Closes the connection at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes the connection at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** @ignore */
  [reduce](): Reduced {
    throw new ProcessError(
      "Cannot send a socket Connection to another thread: its socket is read by this thread's event loop; call Client() in the other thread instead",
    );
  }
}
