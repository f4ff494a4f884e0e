// The manager wire format, the same over every transport: each message is a
// frame (a 4-byte big-endian length, then that many bytes of MessagePack).
// MessagePack (@msgpack/msgpack) because it is a maintained, dependency-free
// encoder that runs unchanged on Deno, Bun and Node, is compact and fast,
// and only ever builds data: nothing received is evaluated. Extension types
// carry what JSON-like data lacks: proxies, bigints, Maps and Sets (Dates
// use MessagePack's timestamp extension).
import { decode, Decoder, Encoder, ExtensionCodec } from "@msgpack/msgpack";
import type { Socket } from "../_runtime/mod.ts";

/** The largest frame accepted; a peer announcing more is disconnected. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** The largest frame accepted before the handshake is done. */
export const HANDSHAKE_FRAME_BYTES = 1024;

const HEADER = 4;
/** The initial size of a stream's send buffer. */
const OUTBOX_BYTES = 64 * 1024;
const PROXY = 0;
const BIGINT = 1;
const MAP = 2;
const SET = 3;

/** A proxy as it crosses the wire: its type, object id and server id. */
export type WireToken = [typeid: string, id: number, serverId: string];

/** How one side of a connection turns proxies into tokens and back. */
export interface TokenHandler {
  /** The token for `value` if it is a proxy this side can send, else `null`. */
  toToken(value: unknown): WireToken | null;
  /** The proxy (or server-side reference) for a received token. */
  fromToken(token: WireToken): unknown;
}

/** A MessagePack encoder/decoder pair bound to one side's token handler. */
export class WireCodec {
  #encoder: Encoder<TokenHandler>;
  #decoder: Decoder<TokenHandler>;

  constructor(tokens: TokenHandler) {
    const codec = new ExtensionCodec<TokenHandler>();
    const nested = (value: unknown): Uint8Array =>
      new Encoder({ extensionCodec: codec, context: tokens }).encode(value);
    const unnested = (bytes: Uint8Array): unknown =>
      decode(bytes, { extensionCodec: codec, context: tokens });
    codec.register({
      type: PROXY,
      encode: (value, context) => {
        const token = context.toToken(value);
        return token === null ? null : nested(token);
      },
      decode: (bytes, _type, context) => {
        const token = unnested(bytes);
        if (
          !Array.isArray(token) || typeof token[0] !== "string" ||
          !Number.isSafeInteger(token[1]) || typeof token[2] !== "string"
        ) {
          throw new TypeError("Cannot decode proxy: malformed token");
        }
        return context.fromToken(token as WireToken);
      },
    });
    codec.register({
      type: BIGINT,
      encode: (value) =>
        typeof value === "bigint" ? nested(value.toString()) : null,
      decode: (bytes) => BigInt(unnested(bytes) as string),
    });
    codec.register({
      type: MAP,
      encode: (value) => value instanceof Map ? nested([...value]) : null,
      decode: (bytes) => new Map(unnested(bytes) as [unknown, unknown][]),
    });
    codec.register({
      type: SET,
      encode: (value) => value instanceof Set ? nested([...value]) : null,
      decode: (bytes) => new Set(unnested(bytes) as unknown[]),
    });
    this.#encoder = new Encoder({ extensionCodec: codec, context: tokens });
    this.#decoder = new Decoder({ extensionCodec: codec, context: tokens });
  }

  /** One message as a complete frame, header included. */
  frame(message: unknown): Uint8Array {
    const body = this.body(message);
    const out = new Uint8Array(HEADER + body.length);
    writeHeader(out, 0, body.length);
    out.set(body, HEADER);
    return out;
  }

  /** One message's bytes, valid only until the next call (no copy). */
  body(message: unknown): Uint8Array {
    return this.#encoder.encodeSharedRef(message);
  }

  /** Decodes one frame's body; throws on malformed bytes. */
  decode(body: Uint8Array): unknown {
    return this.#decoder.decode(body);
  }
}

function writeHeader(out: Uint8Array, at: number, size: number): void {
  out[at] = size >>> 24;
  out[at + 1] = (size >>> 16) & 255;
  out[at + 2] = (size >>> 8) & 255;
  out[at + 3] = size & 255;
}

function readHeader(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) |
    bytes[at + 3]) >>> 0;
}

/**
 * Cuts a byte stream into frame bodies. Returns `false` (and stops) when a
 * frame announces more than {@linkcode MAX_FRAME_BYTES}.
 */
class FrameReader {
  /** Received bytes not yet parsed; joined only once enough have come. */
  #pending: Uint8Array[] = [];
  #buffered = 0;
  /** How many buffered bytes the next frame needs. */
  #needed = HEADER;
  #onFrame: (body: Uint8Array) => void;
  /** The largest frame accepted now. */
  limit: number = MAX_FRAME_BYTES;

  constructor(onFrame: (body: Uint8Array) => void) {
    this.#onFrame = onFrame;
  }

  /** Feeds received bytes; calls `onFrame` for each complete frame. */
  push(chunk: Uint8Array): boolean {
    // A copy: the runtime may reuse the chunk's memory.
    this.#pending.push(chunk.slice());
    this.#buffered += chunk.length;
    if (this.#buffered < this.#needed) return true;
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
      if (size > this.limit) return false;
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
    this.#buffered = rest.length;
    return true;
  }
}

/**
 * Messages over a socket, for either side of a manager connection: sends
 * made in one tick leave in one write (concurrent calls pipeline), and each
 * received frame is decoded and handed over in order. A frame that is too
 * large or not MessagePack, or a message that is not an array, breaks the
 * stream: `onBroken` is called once and nothing more is delivered.
 */
export class MessageStream {
  #codec: WireCodec;
  #reader: FrameReader;
  #socket: Socket | null = null;
  /** Frames queued this tick, back to back. */
  #out = new Uint8Array(OUTBOX_BYTES);
  #length = 0;
  #broken = false;
  #onMessage: (message: unknown[]) => void;
  #onBroken: (why: string) => void;

  constructor(
    tokens: TokenHandler,
    onMessage: (message: unknown[]) => void,
    onBroken: (why: string) => void,
  ) {
    this.#codec = new WireCodec(tokens);
    this.#reader = new FrameReader((body) => this.#deliver(body));
    this.#onMessage = onMessage;
    this.#onBroken = onBroken;
  }

  /** Accepts frames up to `bytes` long from now on. */
  set limit(bytes: number) {
    this.#reader.limit = bytes;
  }

  /** Sends over `socket` from now on. */
  attach(socket: Socket): void {
    this.#socket = socket;
  }

  /** Feeds bytes received from the socket. */
  receive(bytes: Uint8Array): void {
    if (!this.#broken && !this.#reader.push(bytes)) {
      this.#break(`a frame is larger than ${this.#reader.limit} bytes`);
    }
  }

  /** Queues `message` for this tick's write; throws if it cannot be encoded. */
  send(message: unknown[]): void {
    const body = this.#codec.body(message);
    const at = this.#length;
    const end = at + HEADER + body.length;
    if (end > this.#out.length) {
      const grown = new Uint8Array(Math.max(end, 2 * this.#out.length));
      grown.set(this.#out.subarray(0, at));
      this.#out = grown;
    }
    writeHeader(this.#out, at, body.length);
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

  #deliver(body: Uint8Array): void {
    if (this.#broken) return;
    let message: unknown;
    try {
      message = this.#codec.decode(body);
    } catch (error) {
      return this.#break(`malformed frame (${(error as Error).message})`);
    }
    if (!Array.isArray(message)) return this.#break("a message is not a list");
    this.#onMessage(message);
  }

  #break(why: string): void {
    this.#broken = true;
    this.#onBroken(why);
  }
}
