// The manager wire format, the same over every transport: each message is a
// frame (a 4-byte big-endian length, then that many bytes of MessagePack).
// MessagePack (@msgpack/msgpack) because it is a maintained, dependency-free
// encoder that runs unchanged on Deno, Bun and Node, is compact and fast,
// and only ever builds data: nothing received is evaluated. Extension types
// carry what JSON-like data lacks: proxies, bigints, Maps and Sets (Dates
// use MessagePack's timestamp extension).
import { decode, Decoder, Encoder, ExtensionCodec } from "@msgpack/msgpack";
import type { Socket } from "./_runtime/mod.ts";

/** The largest frame accepted; a peer announcing more is disconnected. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

const HEADER = 4;
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
    const body = this.#encoder.encode(message);
    const out = new Uint8Array(HEADER + body.length);
    new DataView(out.buffer).setUint32(0, body.length);
    out.set(body, HEADER);
    return out;
  }

  /** Decodes one frame's body; throws on malformed bytes. */
  decode(body: Uint8Array): unknown {
    return this.#decoder.decode(body);
  }
}

/** Joins frames into one buffer, so a batch costs one socket write. */
function concat(frames: Uint8Array[]): Uint8Array {
  if (frames.length === 1) return frames[0];
  let size = 0;
  for (const f of frames) size += f.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/**
 * Cuts a byte stream into frame bodies. Returns `false` (and stops) when a
 * frame announces more than {@linkcode MAX_FRAME_BYTES}.
 */
class FrameReader {
  #buffer = new Uint8Array(0);
  #onFrame: (body: Uint8Array) => void;
  #limit: number;

  constructor(onFrame: (body: Uint8Array) => void, limit = MAX_FRAME_BYTES) {
    this.#onFrame = onFrame;
    this.#limit = limit;
  }

  /** Feeds received bytes; calls `onFrame` for each complete frame. */
  push(chunk: Uint8Array): boolean {
    let buffer = this.#buffer.length === 0
      ? chunk
      : concat([this.#buffer, chunk]);
    let at = 0;
    while (buffer.length - at >= HEADER) {
      const size = new DataView(buffer.buffer, buffer.byteOffset + at, HEADER)
        .getUint32(0);
      if (size > this.#limit) return false;
      if (buffer.length - at - HEADER < size) break;
      const body = buffer.subarray(at + HEADER, at + HEADER + size);
      at += HEADER + size;
      this.#onFrame(body);
    }
    buffer = buffer.subarray(at);
    // Keep a copy: the runtime may reuse the chunk's memory.
    this.#buffer = buffer.length === 0 ? new Uint8Array(0) : buffer.slice();
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
  #outbox: Uint8Array[] = [];
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

  /** Sends over `socket` from now on. */
  attach(socket: Socket): void {
    this.#socket = socket;
  }

  /** Feeds bytes received from the socket. */
  receive(bytes: Uint8Array): void {
    if (!this.#broken && !this.#reader.push(bytes)) {
      this.#break(`a frame is larger than ${MAX_FRAME_BYTES} bytes`);
    }
  }

  /** Queues `message` for this tick's write; throws if it cannot be encoded. */
  send(message: unknown[]): void {
    this.#outbox.push(this.#codec.frame(message));
    if (this.#outbox.length === 1) queueMicrotask(() => this.flush());
  }

  /** Writes what is queued now. */
  flush(): void {
    if (this.#outbox.length === 0 || this.#socket === null) return;
    const bytes = concat(this.#outbox);
    this.#outbox = [];
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
