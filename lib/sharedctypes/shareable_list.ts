/**
 * `ShareableList`: Python's `multiprocessing.shared_memory.ShareableList`, a
 * fixed-length list of numbers, bigints, booleans, strings, bytes and
 * `null` packed into a {@linkcode SharedMemory} block.
 *
 * @module
 */
import {
  decode,
  encode,
  reduce,
  type Reduced,
  reduced,
  registerShareable,
} from "../_core/codec.ts";
import { Adopted, adoptedOr } from "../_core/shared.ts";
import { describe, optionsObject } from "../_core/validate.ts";
import { SharedMemory } from "./shared_memory.ts";

/** What a ShareableList holds: Python's `int`, `float`, `bool`, `str`, `bytes`, `None`. */
export type ShareableItem =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | null;

/** Options of {@linkcode ShareableList}. */
export interface ShareableListOptions {
  /** Create the block under this name, or attach to it when no sequence is given. @default null */
  name?: string | null;
}

// Python's layout, little-endian: the item count (8 bytes); N + 1 offsets
// into the data area (8 bytes each); the data area; each item's `struct`
// format (8 bytes each); each item's back-transform code (1 byte each).
const ALIGNMENT = 8;
/** Back-transform codes: how stored bytes become a value again. */
const AS_IS = 0; // number (q, d), boolean
const STRING = 1;
const BYTES = 2;
const NONE = 3;
const BIGINT = 4; // not in Python: a bigint stored as q, read back as bigint
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TAG = "ShareableList";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An item's packing: its format, code and encoded bytes (for str/bytes). */
interface Packed {
  format: string;
  code: number;
  bytes: Uint8Array | null;
}

function pack(what: string, index: number, item: unknown): Packed {
  switch (typeof item) {
    case "number":
      return Number.isSafeInteger(item) && !Object.is(item, -0)
        ? { format: "q", code: AS_IS, bytes: null }
        : { format: "d", code: AS_IS, bytes: null };
    case "bigint":
      if (item < INT64_MIN || item > INT64_MAX) {
        throw new RangeError(
          `Cannot ${what}: item ${index} must fit in 64 bits, received ${item}n`,
        );
      }
      return { format: "q", code: BIGINT, bytes: null };
    case "boolean":
      return { format: "xxxxxxx?", code: AS_IS, bytes: null };
    case "string":
      return { format: "s", code: STRING, bytes: encoder.encode(item) };
  }
  if (item === null) return { format: "xxxxxx?x", code: NONE, bytes: null };
  if (item instanceof Uint8Array) {
    return { format: "s", code: BYTES, bytes: item };
  }
  throw new TypeError(
    `Cannot ${what}: item ${index} must be a number, bigint, boolean, string, Uint8Array or null, received ${
      describe(item)
    }`,
  );
}

/**
 * A fixed-length list in shared memory, like Python's `ShareableList`:
 * items can be replaced but not added or removed. Each slot holds 8 bytes,
 * or for a string or `Uint8Array` its UTF-8 length rounded up to the next
 * multiple of 8 (at least one byte more); a longer value later throws.
 * As in Python, trailing NUL bytes of strings and bytes are dropped on
 * reading. Integers that are safe integers are stored as `q` (int64),
 * other numbers as `d`, bigints as `q` (read back as bigints). No lock is
 * taken: guard concurrent writers yourself.
 *
 * Pass it to a `Process` or a pool task, or attach by name with
 * `new ShareableList(null, { name })`.
 *
 * @example Usage
 * ```ts
 * import { ShareableList } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * using list = new ShareableList(["howdy", 42, -273.154, null, true]);
 * list.set(0, "hi");
 * list.set(1, 43);
 * const same = new ShareableList(null, { name: list.shm.name });
 * assert.deepEqual([...same], ["hi", 43, -273.154, null, true]);
 * assert.equal(same.format, "8sqdxxxxxx?xxxxxxxx?");
 * same.shm.close();
 * list.shm.unlink();
 * ```
 */
export class ShareableList implements Iterable<ShareableItem> {
  /** The block holding the list. */
  readonly shm: SharedMemory;
  #view: DataView;
  #length: number;
  #offsets: number[];

  /**
   * Creates a list holding `sequence`, or attaches to the one named
   * `options.name` when `sequence` is `null` or `undefined`.
   *
   * @param sequence The items; their number is fixed from now on.
   * @param options `name`.
   * @throws {TypeError} If an item is not a number, bigint, boolean, string, `Uint8Array` or `null`.
   * @throws {RangeError} If a bigint does not fit in 64 bits.
   * @throws {FileExistsError} If creating under a name that is taken.
   * @throws {FileNotFoundError} If attaching to a name that does not exist.
   */
  constructor(
    sequence?: Iterable<ShareableItem> | null,
    options?: ShareableListOptions,
  );
  /** @ignore The handle a rebuilt list already opened. */
  constructor(
    sequence: undefined,
    options: undefined,
    shm: Adopted<SharedMemory>,
  );
  constructor(
    sequence?: Iterable<ShareableItem> | null,
    options?: ShareableListOptions,
    shm?: Adopted<SharedMemory>,
  ) {
    const given = adoptedOr<SharedMemory | null>(shm, () => null);
    const attaching = given !== null ||
      ((sequence === null || sequence === undefined) &&
        options?.name !== undefined && options.name !== null);
    const what = attaching ? "attach ShareableList" : "create ShareableList";
    const { name = null } = optionsObject(what, options, ["name"]);
    if (attaching) {
      this.shm = given ?? new SharedMemory({ name });
      const buf = this.shm.buf;
      this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.#length = Number(this.#view.getBigInt64(0, true));
      this.#offsets = [];
      for (let i = 0; i <= this.#length; i++) {
        this.#offsets.push(Number(this.#view.getBigInt64(8 + 8 * i, true)));
      }
      return;
    }
    if (name !== null && typeof name !== "string") {
      throw new TypeError(
        `Cannot ${what}: "name" must be a string or null, received ${
          describe(name)
        }`,
      );
    }
    const items = globalThis.Array.from(sequence ?? [] as Iterable<unknown>);
    const packed = items.map((item, i) => pack(what, i, item));
    this.#length = items.length;
    this.#offsets = [0];
    for (const p of packed) {
      const room = p.bytes === null
        ? ALIGNMENT
        : ALIGNMENT * (Math.floor(p.bytes.length / ALIGNMENT) + 1);
      if (p.bytes !== null) p.format = `${room}s`;
      this.#offsets.push(this.#offsets[this.#offsets.length - 1] + room);
    }
    const size = this.#formatsAt() + 9 * this.#length;
    this.shm = new SharedMemory({ name, create: true, size });
    const buf = this.shm.buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#view.setBigInt64(0, BigInt(this.#length), true);
    this.#offsets.forEach((offset, i) =>
      this.#view.setBigInt64(8 + 8 * i, BigInt(offset), true)
    );
    packed.forEach((p, i) => this.#store(i, p, items[i]));
  }

  /** The number of items. */
  get length(): number {
    return this.#length;
  }

  /** The `struct` formats of the items, joined, as Python's `format`. */
  get format(): string {
    let format = "";
    for (let i = 0; i < this.#length; i++) format += this.#formatOf(i);
    return format;
  }

  /**
   * The item at `index` (negative counts from the end).
   *
   * @throws {RangeError} If `index` is out of range (Python's `IndexError`).
   */
  get(index: number): ShareableItem {
    const i = this.#index(index, "index out of range");
    const at = this.#dataAt() + this.#offsets[i];
    const format = this.#formatOf(i);
    const code = this.#view.getInt8(this.#codesAt() + i);
    switch (code) {
      case NONE:
        return null;
      case STRING:
      case BYTES: {
        const room = this.#offsets[i + 1] - this.#offsets[i];
        let end = room;
        while (end > 0 && this.#view.getUint8(at + end - 1) === 0) end--;
        const bytes = new Uint8Array(
          this.#view.buffer.slice(
            this.#view.byteOffset + at,
            this.#view.byteOffset + at + end,
          ),
        );
        return code === STRING ? decoder.decode(bytes) : bytes;
      }
      case BIGINT:
        return this.#view.getBigInt64(at, true);
    }
    if (format === "q") return Number(this.#view.getBigInt64(at, true));
    if (format === "d") return this.#view.getFloat64(at, true);
    return this.#view.getUint8(at + 7) !== 0;
  }

  /**
   * Replaces the item at `index`; a string or `Uint8Array` must fit in the
   * slot's bytes.
   *
   * @throws {RangeError} If `index` is out of range, or a string or bytes
   * value exceeds the slot (Python's `ValueError`).
   * @throws {TypeError} If `value` is of a type a ShareableList cannot hold.
   */
  set(index: number, value: ShareableItem): void {
    const what = "set ShareableList item";
    const i = this.#index(index, "assignment index out of range");
    const p = pack(what, i, value);
    if (p.bytes !== null) {
      const room = this.#offsets[i + 1] - this.#offsets[i];
      if (p.bytes.length > room) {
        throw new RangeError(
          `Cannot ${what}: bytes/str item exceeds available storage (${room} bytes), received ${p.bytes.length} bytes`,
        );
      }
      p.format = `${room}s`;
    }
    this.#store(i, p, value);
  }

  /** How many items equal `value` (bytes compare by content). */
  count(value: ShareableItem): number {
    let n = 0;
    for (const item of this) if (same(item, value)) n++;
    return n;
  }

  /**
   * The first index holding `value`.
   *
   * @throws {RangeError} If no item equals it (Python's `ValueError`).
   */
  index(value: ShareableItem): number {
    for (let i = 0; i < this.#length; i++) {
      if (same(this.get(i), value)) return i;
    }
    throw new RangeError(
      `Cannot find item: ${describe(value)} is not in this ShareableList`,
    );
  }

  /** The items, in order. */
  *[Symbol.iterator](): Iterator<ShareableItem> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  /** A copy of the items as an array. */
  toArray(): ShareableItem[] {
    return [...this];
  }

  /** Closes this list's handle on its block at the end of a `using` scope. */
  [Symbol.dispose](): void {
    this.shm.close();
  }

  /** @ignore */
  [reduce](): Reduced {
    return reduced(TAG, encode(this.shm));
  }

  #index(index: number, message: string): number {
    const i = index < 0 ? index + this.#length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.#length) {
      throw new RangeError(`${message}, received ${describe(index)}`);
    }
    return i;
  }

  #dataAt(): number {
    return (this.#length + 2) * 8;
  }

  #formatsAt(): number {
    return this.#dataAt() + this.#offsets[this.#length];
  }

  #codesAt(): number {
    return this.#formatsAt() + this.#length * 8;
  }

  #formatOf(i: number): string {
    const at = this.#formatsAt() + i * 8;
    let format = "";
    for (let j = 0; j < 8; j++) {
      const byte = this.#view.getUint8(at + j);
      if (byte === 0) break;
      format += String.fromCharCode(byte);
    }
    return format;
  }

  #store(i: number, p: Packed, value: unknown): void {
    const at = this.#dataAt() + this.#offsets[i];
    const view = this.#view;
    const formatAt = this.#formatsAt() + i * 8;
    for (let j = 0; j < 8; j++) {
      view.setUint8(
        formatAt + j,
        j < p.format.length ? p.format.charCodeAt(j) : 0,
      );
    }
    view.setInt8(this.#codesAt() + i, p.code);
    if (p.bytes !== null) {
      const room = this.#offsets[i + 1] - this.#offsets[i];
      const target = new Uint8Array(view.buffer, view.byteOffset + at, room);
      target.fill(0);
      target.set(p.bytes);
    } else if (p.format === "q") {
      view.setBigInt64(at, BigInt(value as number | bigint), true);
    } else if (p.format === "d") view.setFloat64(at, value as number, true);
    else {
      // A boolean's byte is the last of its 8; null is all zeros.
      view.setBigUint64(at, 0n, true);
      if (value === true) view.setUint8(at + 7, 1);
    }
  }
}

function same(a: ShareableItem, b: ShareableItem): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  return a === b || (typeof a === "number" && Number.isNaN(a) && b !== b);
}

registerShareable(TAG, (state) => {
  const shm = decode(state) as SharedMemory;
  return new ShareableList(undefined, undefined, new Adopted(shm));
});
