// The manager wire format, the same over every transport: each message is a
// frame (a 4-byte big-endian length, then that many bytes of MessagePack).
// MessagePack (@msgpack/msgpack) because it is a maintained, dependency-free
// encoder that runs unchanged on Deno, Bun and Node, is compact and fast,
// and only ever builds data: nothing received is evaluated. Extension types
// carry what JSON-like data lacks: proxies, bigints, Maps and Sets (Dates
// use MessagePack's timestamp extension), and objects with an own
// `__proto__` key (which the plain map decoder refuses).
import { decode, Decoder, Encoder, ExtensionCodec } from "@msgpack/msgpack";
import { checkBudget, MAX_DEPTH } from "./_budget.ts";
import { MAX_FRAME_BYTES } from "./_frames.ts";

export { FrameReader, type FrameReaderOptions } from "./_frames.ts";

const PROXY = 0;
const BIGINT = 1;
const MAP = 2;
const SET = 3;
const OBJECT = 4;

/** A proxy as it crosses the wire: its type, object id and server id. */
export type WireToken = [typeid: string, id: number, serverId: string];

/** How one side of a connection turns proxies into tokens and back. */
export interface TokenHandler {
  /** The token for `value` if it is a proxy this side can send, else `null`. */
  toToken(value: unknown): WireToken | null;
  /** The proxy (or server-side reference) for a received token. */
  fromToken(token: WireToken): unknown;
}

function isToken(token: unknown): token is WireToken {
  return Array.isArray(token) && token.length === 3 &&
    typeof token[0] === "string" && Number.isSafeInteger(token[1]) &&
    typeof token[2] === "string";
}

function hasOwnProto(value: object): boolean {
  return !Array.isArray(value) && Object.hasOwn(value, "__proto__");
}

/** An object from `[key, value]` pairs, `__proto__` included as data. */
function objectOf(entries: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries as [string, unknown][]) {
    Object.defineProperty(out, String(key), {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return out;
}

/** A MessagePack encoder/decoder pair bound to one side's token handler. */
export class WireCodec {
  #encoder: Encoder<TokenHandler>;
  #decoder: Decoder<TokenHandler>;

  constructor(tokens: TokenHandler) {
    const codec = new ExtensionCodec<TokenHandler>();
    const nested = (value: unknown): Uint8Array =>
      new Encoder({
        extensionCodec: codec,
        context: tokens,
        maxDepth: MAX_DEPTH,
      })
        .encode(value);
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
        if (!isToken(token)) {
          throw new TypeError("Cannot decode proxy: malformed token");
        }
        return context.fromToken(token);
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
    codec.register({
      type: OBJECT,
      encode: (value) =>
        typeof value === "object" && value !== null && hasOwnProto(value)
          ? nested(Object.entries(value))
          : null,
      decode: (bytes) => objectOf(unnested(bytes)),
    });
    const options = { extensionCodec: codec, context: tokens };
    this.#encoder = new Encoder({ ...options, maxDepth: MAX_DEPTH });
    this.#decoder = new Decoder(options);
  }

  /** One message as a complete frame, header included. */
  frame(message: unknown): Uint8Array {
    const body = this.body(message);
    const out = new Uint8Array(4 + body.length);
    new DataView(out.buffer).setUint32(0, body.length);
    out.set(body, 4);
    return out;
  }

  /** One message's bytes, valid only until the next call (no copy). */
  body(message: unknown): Uint8Array {
    return this.#encoder.encodeSharedRef(message);
  }

  /**
   * Decodes one frame's body; throws on malformed bytes, or bytes whose
   * decoding would go over the budget of _budget.ts.
   */
  decode(body: Uint8Array): unknown {
    checkBudget(body);
    return this.#decoder.decode(body);
  }
}

/** The error for a message too large to send as one frame. */
export function frameTooLarge(what: string, bytes: number): RangeError {
  return new RangeError(
    `Cannot send ${what}: the message is ${bytes} bytes, over the manager's limit of ${MAX_FRAME_BYTES} bytes (64 MiB)`,
  );
}
