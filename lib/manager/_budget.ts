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

/** Fixed-size payloads by head byte (numbers, nil, booleans). */
const FIXED: Record<number, number> = {
  0xc0: 0,
  0xc2: 0,
  0xc3: 0,
  0xca: 4,
  0xcb: 8,
  0xcc: 1,
  0xcd: 2,
  0xce: 4,
  0xcf: 8,
  0xd0: 1,
  0xd1: 2,
  0xd2: 4,
  0xd3: 8,
};

function over(what: string, limit: number): RangeError {
  return new RangeError(`the frame has more than ${limit} ${what}`);
}

/**
 * Throws a `RangeError` if decoding `bytes` would go over budget, and a
 * `SyntaxError` if they are cut short.
 */
export function checkBudget(bytes: Uint8Array): void {
  walk(bytes, 0, { values: 0, containers: 0, digits: 0 });
}

function walk(bytes: Uint8Array, depth: number, counts: Counts): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const open: number[] = [];
  let pos = 0;
  let left = 1;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new SyntaxError("the frame is cut short");
  };
  while (left > 0 || open.length > 0) {
    if (left === 0) {
      left = open.pop()!;
      continue;
    }
    left--;
    if (++counts.values > MAX_VALUES) throw over("values", MAX_VALUES);
    need(1);
    const head = bytes[pos++];
    let children = 0;
    let skip = 0;
    let ext = -1;
    if (head <= 0x7f || head >= 0xe0) skip = 0;
    else if (head <= 0x8f) children = (head & 0x0f) * 2;
    else if (head <= 0x9f) children = head & 0x0f;
    else if (head <= 0xbf) skip = head & 0x1f;
    else if (head in FIXED) skip = FIXED[head];
    else if (head === 0xc4 || head === 0xd9) (need(1), skip = bytes[pos++]);
    else if (head === 0xc5 || head === 0xda) {
      need(2), skip = view.getUint16(pos), pos += 2;
    } else if (head === 0xc6 || head === 0xdb) {
      need(4), skip = view.getUint32(pos), pos += 4;
    } else if (head === 0xdc) {
      (need(2), children = view.getUint16(pos), pos += 2);
    } else if (head === 0xdd) {
      (need(4), children = view.getUint32(pos), pos += 4);
    } else if (head === 0xde) {
      need(2), children = 2 * view.getUint16(pos), pos += 2;
    } else if (head === 0xdf) {
      need(4), children = 2 * view.getUint32(pos), pos += 4;
    } else if (head >= 0xd4 && head <= 0xd8) {
      need(1), skip = 1 << (head - 0xd4), ext = view.getInt8(pos++);
    } else if (head === 0xc7) {
      need(2), skip = bytes[pos], ext = view.getInt8(pos + 1), pos += 2;
    } else if (head === 0xc8) {
      need(3),
        skip = view.getUint16(pos),
        ext = view.getInt8(pos + 2),
        pos += 3;
    } else if (head === 0xc9) {
      need(5),
        skip = view.getUint32(pos),
        ext = view.getInt8(pos + 4),
        pos += 5;
    } else throw new SyntaxError("the frame holds an unknown type byte");
    if ((head >= 0x80 && head <= 0x9f) || (head >= 0xdc && head <= 0xdf)) {
      if (++counts.containers > MAX_CONTAINERS) {
        throw over("arrays and maps", MAX_CONTAINERS);
      }
      if (depth + open.length >= MAX_DEPTH) {
        throw new RangeError(`the frame nests deeper than ${MAX_DEPTH}`);
      }
    }
    if (children > 0) {
      open.push(left);
      left = children;
      continue;
    }
    need(skip);
    if (NESTED_EXTENSIONS.has(ext)) {
      if (ext === BIGINT_EXTENSION) {
        counts.digits += skip;
        if (counts.digits > MAX_BIGINT_DIGITS) {
          throw over("bigint digits", MAX_BIGINT_DIGITS);
        }
      }
      const payload = bytes.subarray(pos, pos + skip);
      walk(payload, depth + open.length + 1, counts);
    }
    pos += skip;
  }
}
