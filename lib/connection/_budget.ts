// What one received frame may cost to decode, checked by walking its
// MessagePack bytes before anything is built: nesting no deeper than the
// encoder allows, a bounded number of values and containers, and a bounded
// number of bigint digits (parsing a long bigint is quadratic). A frame over
// budget is refused as malformed, so a few bytes cannot make the server
// allocate gigabytes or spin for seconds.

/** The deepest nesting either side encodes or accepts (the encoder's own). */
export const MAX_DEPTH = 100;
/** The most values (of any kind) in one frame. */
export const MAX_VALUES = 2 ** 24;
/** The most arrays and maps in one frame. */
export const MAX_CONTAINERS = 2 ** 20;
/** The most bigint digits in one frame. */
export const MAX_BIGINT_DIGITS = 100_000;

/** The extension types whose payload is itself MessagePack (see _wire.ts). */
export const NESTED_EXTENSIONS: ReadonlySet<number> = new Set([0, 1, 2, 3, 4]);
/** The extension type of a bigint, whose payload is its digits. */
export const BIGINT_EXTENSION = 1;

interface Counts {
  values: number;
  containers: number;
  digits: number;
}

function over(what: string, limit: number): RangeError {
  return new RangeError(`the frame has more than ${limit} ${what}`);
}

/**
 * Throws a `RangeError` if decoding `bytes` would go over budget, and a
 * `SyntaxError` if they are cut short.
 */
export function checkBudget(bytes: Uint8Array): void {
  // Each value takes a byte at least: a short frame is within every limit.
  if (bytes.length <= MAX_DEPTH) return;
  walk(bytes, 0, { values: 0, containers: 0, digits: 0 });
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) |
    bytes[at + 3]) >>> 0;
}

function cutShort(): SyntaxError {
  return new SyntaxError("the frame is cut short");
}

// What follows each head byte: KIND says how to read it, ARG how long.
const SCALAR = 0; // ARG payload bytes follow
const FIXARRAY = 1;
const FIXMAP = 2;
const RAW = 3; // ARG length bytes, then that many payload bytes
const ARRAY = 4; // ARG length bytes, then that many items
const MAP = 5; // ARG length bytes, then twice that many items
const EXT = 6; // ARG length bytes, a type byte, then the payload
const FIXEXT = 7; // a type byte, then ARG payload bytes
const INVALID = 8;
const KIND = new Uint8Array(256);
const ARG = new Uint8Array(256);

function define(heads: number[], kind: number, arg: number): void {
  for (const head of heads) (KIND[head] = kind, ARG[head] = arg);
}
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
define(range(0x80, 0x8f), FIXMAP, 0);
define(range(0x90, 0x9f), FIXARRAY, 0);
for (const head of range(0xa0, 0xbf)) define([head], SCALAR, head & 0x1f);
define([0xc1], INVALID, 0);
define([0xc4, 0xd9], RAW, 1);
define([0xc5, 0xda], RAW, 2);
define([0xc6, 0xdb], RAW, 4);
define([0xc7], EXT, 1);
define([0xc8], EXT, 2);
define([0xc9], EXT, 4);
define([0xca, 0xce, 0xd2], SCALAR, 4);
define([0xcb, 0xcf, 0xd3], SCALAR, 8);
define([0xcc, 0xd0], SCALAR, 1);
define([0xcd, 0xd1], SCALAR, 2);
for (
  const [head, size] of [[0xd4, 1], [0xd5, 2], [0xd6, 4], [0xd7, 8], [0xd8, 16]]
) {
  define([head], FIXEXT, size);
}
define([0xdc], ARRAY, 2);
define([0xdd], ARRAY, 4);
define([0xde], MAP, 2);
define([0xdf], MAP, 4);

function readLength(bytes: Uint8Array, at: number, size: number): number {
  if (at + size > bytes.length) throw cutShort();
  return size === 1 ? bytes[at] : size === 2 ? u16(bytes, at) : u32(bytes, at);
}

function walk(bytes: Uint8Array, depth: number, counts: Counts): void {
  const end = bytes.length;
  const open: number[] = [];
  let pos = 0;
  let left = 1;
  let values = 0;
  for (;;) {
    if (left === 0) {
      if (open.length === 0) break;
      left = open.pop()!;
      continue;
    }
    left--;
    values++;
    if (pos >= end) throw cutShort();
    const head = bytes[pos++];
    const kind = KIND[head];
    if (kind === SCALAR) {
      pos += ARG[head];
      continue;
    }
    let children = 0;
    if (kind === FIXARRAY) children = head & 0x0f;
    else if (kind === FIXMAP) children = (head & 0x0f) * 2;
    else if (kind === ARRAY || kind === MAP) {
      children = readLength(bytes, pos, ARG[head]) * (kind === MAP ? 2 : 1);
      pos += ARG[head];
    } else if (kind === RAW) {
      pos += ARG[head] + readLength(bytes, pos, ARG[head]);
      continue;
    } else if (kind === INVALID) {
      throw new SyntaxError("the frame holds an unknown type byte");
    } else {
      const size = kind === FIXEXT
        ? ARG[head]
        : readLength(bytes, pos, ARG[head]);
      if (kind === EXT) pos += ARG[head];
      if (pos + 1 + size > end) throw cutShort();
      const ext = (bytes[pos++] << 24) >> 24;
      if (NESTED_EXTENSIONS.has(ext)) {
        if (ext === BIGINT_EXTENSION) {
          counts.digits += size;
          if (counts.digits > MAX_BIGINT_DIGITS) {
            throw over("bigint digits", MAX_BIGINT_DIGITS);
          }
        }
        counts.values += values;
        values = 0;
        walk(bytes.subarray(pos, pos + size), depth + open.length + 1, counts);
      }
      pos += size;
      continue;
    }
    if (++counts.containers > MAX_CONTAINERS) {
      throw over("arrays and maps", MAX_CONTAINERS);
    }
    if (depth + open.length >= MAX_DEPTH) {
      throw new RangeError(`the frame nests deeper than ${MAX_DEPTH}`);
    }
    if (counts.values + values + children > MAX_VALUES) {
      throw over("values", MAX_VALUES);
    }
    if (children > 0) {
      open.push(left);
      left = children;
    }
  }
  if (pos > end) throw cutShort();
  counts.values += values;
  if (counts.values > MAX_VALUES) throw over("values", MAX_VALUES);
}
