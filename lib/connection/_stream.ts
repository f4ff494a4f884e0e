// Messages over a socket, for either side of a manager connection or a
// `Listener`/`Client` connection: sends made in one tick leave in one write
// (concurrent calls pipeline), and each received frame is decoded and
// handed over in order — or, once `raw` is set, handed over as bytes. A
// frame that is too large or not MessagePack, or a message that is not an
// array, breaks the stream: `broken` is called once and nothing more is
// delivered.
import type { Socket } from "../_runtime/mod.ts";
import { FrameReader, type PartialBudget } from "./_frames.ts";
import { MAX_FRAME_BYTES } from "./_frames.ts";
import { frameTooLarge, type TokenHandler, WireCodec } from "./_wire.ts";

const HEADER = 4;
/** The initial size of a stream's send buffer. */
const OUTBOX_BYTES = 64 * 1024;

/** What a stream reports to its owner. */
export interface StreamEvents {
  message(message: unknown[]): void;
  /** A frame's body (a copy), once `raw` is set. */
  bytes?(body: Uint8Array): void;
  broken(why: string): void;
}

/** Options of a {@linkcode MessageStream}. */
export interface StreamOptions {
  /** Shared cap on bytes held in partial frames (servers). */
  budget?: PartialBudget;
}

/** A message stream over one socket. */
export class MessageStream {
  #codec: WireCodec;
  #reader: FrameReader;
  #socket: Socket | null = null;
  /** Frames queued this tick, back to back. */
  #out = new Uint8Array(OUTBOX_BYTES);
  #length = 0;
  #broken = false;
  #raw = false;
  #events: StreamEvents;

  constructor(
    tokens: TokenHandler,
    events: StreamEvents,
    options?: StreamOptions,
  ) {
    this.#codec = new WireCodec(tokens);
    this.#reader = new FrameReader((body) => this.#deliver(body), options);
    this.#events = events;
  }

  /** Accepts frames up to `bytes` long from now on. */
  set limit(bytes: number) {
    this.#reader.limit = bytes;
  }

  /** Hands frames over undecoded, to `events.bytes`, from now on. */
  set raw(on: boolean) {
    this.#raw = on;
  }

  /** Sends over `socket` from now on. */
  attach(socket: Socket): void {
    this.#socket = socket;
  }

  /** Bytes sent but not yet taken by the peer (queued here or in the socket). */
  get unsent(): number {
    return this.#length + (this.#socket?.pending ?? 0);
  }

  /** Feeds bytes received from the socket. */
  receive(bytes: Uint8Array): void {
    if (this.#broken) return;
    const stopped = this.#reader.push(bytes);
    if (stopped !== null) this.#break(stopped);
  }

  /**
   * Queues `message` for this tick's write.
   *
   * @throws {RangeError} If it is larger than a frame may be.
   * @throws {Error} If it cannot be encoded.
   */
  send(message: unknown[], what: string): void {
    this.sendBytes(this.#codec.body(message), what);
  }

  /**
   * Queues `body` as one frame for this tick's write.
   *
   * @throws {RangeError} If it is larger than a frame may be.
   */
  sendBytes(body: Uint8Array, what: string): void {
    if (body.length > MAX_FRAME_BYTES) throw frameTooLarge(what, body.length);
    const at = this.#length;
    const end = at + HEADER + body.length;
    if (end > this.#out.length) {
      const grown = new Uint8Array(Math.max(end, 2 * this.#out.length));
      grown.set(this.#out.subarray(0, at));
      this.#out = grown;
    }
    new DataView(this.#out.buffer).setUint32(at, body.length);
    this.#out.set(body, at + HEADER);
    this.#length = end;
    if (at === 0) queueMicrotask(() => this.flush());
  }

  /** Writes what is queued now. */
  flush(): void {
    if (this.#length === 0 || this.#socket === null) return;
    // A copy: the socket may hold on to what it is given.
    const bytes = this.#out.slice(0, this.#length);
    this.#length = 0;
    if (this.#out.length > 16 * OUTBOX_BYTES) {
      this.#out = new Uint8Array(OUTBOX_BYTES);
    }
    this.#socket.write(bytes);
  }

  /** Stops reading; frees what is held for a partial frame. */
  close(): void {
    this.#broken = true;
    this.#reader.release();
  }

  #deliver(body: Uint8Array): void {
    if (this.#broken) return;
    if (this.#raw) return this.#events.bytes!(new Uint8Array(body));
    let message: unknown;
    try {
      message = this.#codec.decode(body);
    } catch (error) {
      return this.#break(`malformed frame (${(error as Error).message})`);
    }
    if (!Array.isArray(message)) return this.#break("a message is not a list");
    this.#events.message(message);
  }

  #break(why: string): void {
    this.close();
    this.#events.broken(why);
  }
}
