// The named blocks behind `SharedMemory`: a first-fit heap inside the
// process-wide common block (see _core/common_block.ts), so any thread can
// find a block by name, synchronously, without asking another thread. One
// futex mutex guards the block list; operations are short and rare.
//
// A block is freed (its memory reused) only once it is unlinked and every
// handle on it is closed, like POSIX shared memory: unlink removes the name,
// close releases one handle.
import { identity } from "../_core/identity.ts";
import {
  HEAP_END,
  HEAP_LOCK,
  HEAP_SERIAL,
  HEAP_START,
} from "../_core/common_block.ts";
import { block, lockSteps, unlock } from "../sync/_futex.ts";
import { FileExistsError, FileNotFoundError } from "../errors.ts";

// Block header, in Uint32 cells from the block's start.
const SIZE = 0; // bytes of the whole block, header included
const STATE = 1;
const OPEN = 2; // handles not yet closed
const SERIAL = 3; // tells a reused block from the one a handle opened
const DATA_SIZE = 4; // bytes asked for
const NAME_LENGTH = 5; // UTF-8 bytes of the name
const OWNER = 6; // the SharedMemoryManager that unlinks it at shutdown, or 0
const NAME_AT = 32; // byte offset of the name in the header
/** The longest name, in UTF-8 bytes. */
export const NAME_MAX = 64;
const HEADER = NAME_AT + NAME_MAX; // 96: keeps data 16-byte aligned
const ALIGN = 16;
/** The heap grows by at least this much at a time. */
const GROW_STEP = 1 << 20;

const FREE = 0;
const LINKED = 1;
const UNLINKED = 2;

/** Where a block is and which one it is. */
export interface BlockRef {
  readonly offset: number;
  readonly serial: number;
}

/** An open block: its reference, name, size and the view of its data. */
export interface OpenBlock extends BlockRef {
  readonly name: string;
  readonly size: number;
  readonly buf: Uint8Array;
}

interface Views {
  readonly memory: SharedArrayBuffer;
  readonly cells: Int32Array;
  readonly words: Uint32Array;
  readonly bytes: Uint8Array;
}

let cached: Views | null = null;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** This thread's views of the common block (length-tracking: they grow). */
function views(): Views {
  const memory = identity().pids.buffer as SharedArrayBuffer;
  if (cached === null || cached.memory !== memory) {
    cached = {
      memory,
      cells: new Int32Array(memory),
      words: new Uint32Array(memory),
      bytes: new Uint8Array(memory),
    };
  }
  return cached;
}

/** Runs `body` holding the heap's mutex. */
function locked<T>(body: (v: Views) => T): T {
  const v = views();
  block(lockSteps(v.cells, HEAP_LOCK, Infinity));
  try {
    return body(v);
  } finally {
    unlock(v.cells, HEAP_LOCK);
  }
}

/** The name as stored: its UTF-8 bytes; throws if it is too long. */
export function nameBytes(what: string, name: string): Uint8Array {
  const bytes = encoder.encode(name);
  if (bytes.length === 0 || bytes.length > NAME_MAX) {
    throw new RangeError(
      `Cannot ${what}: "name" must have 1 to ${NAME_MAX} UTF-8 bytes, received ${
        JSON.stringify(name)
      } (${bytes.length})`,
    );
  }
  return bytes;
}

function randomName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return "psm_" +
    globalThis.Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))
      .join("");
}

function heapEnd(v: Views): number {
  return v.words[HEAP_END] || HEAP_START;
}

function nameOf(v: Views, at: number): string {
  const length = v.words[at / 4 + NAME_LENGTH];
  return decoder.decode(v.bytes.slice(at + NAME_AT, at + NAME_AT + length));
}

/** The linked block called `name`, or -1. */
function find(v: Views, name: Uint8Array): number {
  const end = heapEnd(v);
  for (let at = HEAP_START; at < end; at += v.words[at / 4 + SIZE]) {
    const w = at / 4;
    if (v.words[w + STATE] !== LINKED) continue;
    if (v.words[w + NAME_LENGTH] !== name.length) continue;
    let same = true;
    for (let i = 0; i < name.length && same; i++) {
      same = v.bytes[at + NAME_AT + i] === name[i];
    }
    if (same) return at;
  }
  return -1;
}

/** Finds room for `need` bytes (header included); grows the heap if needed. */
function allocate(v: Views, need: number, what: string): number {
  const end = heapEnd(v);
  let at = HEAP_START;
  while (at < end) {
    const w = at / 4;
    if (v.words[w + STATE] === FREE) {
      // Merge the free blocks that follow.
      let next = at + v.words[w + SIZE];
      while (next < end && v.words[next / 4 + STATE] === FREE) {
        next += v.words[next / 4 + SIZE];
      }
      if (next === end) break; // a free tail: reuse it below
      v.words[w + SIZE] = next - at;
      if (next - at >= need) {
        if (next - at - need >= HEADER + ALIGN) {
          const rest = (at + need) / 4;
          v.words[rest + SIZE] = next - at - need;
          v.words[rest + STATE] = FREE;
          v.words[w + SIZE] = need;
        }
        return at;
      }
    }
    at += v.words[w + SIZE];
  }
  const newEnd = at + need;
  const memory = v.memory;
  if (newEnd > memory.byteLength) {
    if (!memory.growable || newEnd > memory.maxByteLength) {
      throw new RangeError(
        `Cannot ${what}: the shared heap is full (${
          memory.growable ? memory.maxByteLength : memory.byteLength
        } bytes reserved, ${at - HEAP_START} in use), received a request for ${
          need - HEADER
        } bytes`,
      );
    }
    memory.grow(Math.min(
      memory.maxByteLength,
      Math.max(newEnd, memory.byteLength * 2, GROW_STEP),
    ));
  }
  v.words[HEAP_END] = newEnd;
  v.words[at / 4 + SIZE] = need;
  return at;
}

function opened(v: Views, at: number): OpenBlock {
  const w = at / 4;
  const size = v.words[w + DATA_SIZE];
  return {
    offset: at,
    serial: v.words[w + SERIAL],
    name: nameOf(v, at),
    size,
    buf: new Uint8Array(v.memory, at + HEADER, size),
  };
}

/** Creates a zero-filled block called `name` (a fresh random name if null). */
export function createBlock(
  what: string,
  name: string | null,
  size: number,
): OpenBlock {
  const need = Math.ceil((HEADER + size) / ALIGN) * ALIGN;
  const stored = name === null ? null : nameBytes(what, name);
  return locked((v) => {
    let bytes = stored;
    if (bytes === null) {
      do bytes = encoder.encode(randomName()); while (find(v, bytes) >= 0);
    } else if (find(v, bytes) >= 0) {
      throw new FileExistsError(
        `Cannot ${what}: a shared memory block named ${
          JSON.stringify(name)
        } already exists`,
      );
    }
    const at = allocate(v, need, what);
    const w = at / 4;
    v.words[w + STATE] = LINKED;
    v.words[w + OPEN] = 1;
    v.words[w + SERIAL] = Atomics.add(v.cells, HEAP_SERIAL, 1) + 1;
    v.words[w + DATA_SIZE] = size;
    v.words[w + NAME_LENGTH] = bytes.length;
    v.words[w + OWNER] = 0;
    v.bytes.set(bytes, at + NAME_AT);
    v.bytes.fill(0, at + HEADER, at + HEADER + size);
    return opened(v, at);
  });
}

/** Opens the linked block called `name`. */
export function openBlock(what: string, name: string): OpenBlock {
  const bytes = nameBytes(what, name);
  return locked((v) => {
    const at = find(v, bytes);
    if (at < 0) {
      throw new FileNotFoundError(
        `Cannot ${what}: no shared memory block is named ${
          JSON.stringify(name)
        }`,
      );
    }
    v.words[at / 4 + OPEN]++;
    return opened(v, at);
  });
}

/** Whether `ref` still points at the block it was taken from. */
function live(v: Views, { offset, serial }: BlockRef): boolean {
  return offset >= HEAP_START && offset < heapEnd(v) &&
    v.words[offset / 4 + STATE] !== FREE &&
    v.words[offset / 4 + SERIAL] === serial;
}

/**
 * Opens the block `ref` points at, even if unlinked, as long as a handle on
 * it is still open; else the block linked under `name`.
 */
export function reopenBlock(
  what: string,
  ref: BlockRef,
  name: string,
): OpenBlock {
  const reopened = locked((v) => {
    if (!live(v, ref)) return null;
    v.words[ref.offset / 4 + OPEN]++;
    return opened(v, ref.offset);
  });
  return reopened ?? openBlock(what, name);
}

/** Releases one handle on `ref`; frees the block if that was the last of an unlinked one. */
export function closeBlock(ref: BlockRef): void {
  locked((v) => {
    if (!live(v, ref)) return;
    const w = ref.offset / 4;
    if (--v.words[w + OPEN] === 0 && v.words[w + STATE] === UNLINKED) {
      v.words[w + STATE] = FREE;
    }
  });
}

/** Removes the name of `ref`'s block; frees it if no handle is open. */
export function unlinkBlock(what: string, ref: BlockRef, name: string): void {
  locked((v) => {
    const w = ref.offset / 4;
    if (!live(v, ref) || v.words[w + STATE] !== LINKED) {
      throw new FileNotFoundError(
        `Cannot ${what}: no shared memory block is named ${
          JSON.stringify(name)
        } (already unlinked)`,
      );
    }
    v.words[w + STATE] = v.words[w + OPEN] === 0 ? FREE : UNLINKED;
  });
}

/** A number no other block or owner has: names a SharedMemoryManager. */
export function newOwner(): number {
  return Atomics.add(views().cells, HEAP_SERIAL, 1) + 1;
}

/** Makes `owner` responsible for unlinking the linked block called `name`. */
export function claimBlock(name: string, owner: number): void {
  const bytes = nameBytes("claim SharedMemory", name);
  locked((v) => {
    const at = find(v, bytes);
    if (at >= 0) v.words[at / 4 + OWNER] = owner;
  });
}

/** Unlinks every linked block `owner` claimed; returns how many. */
export function unlinkOwned(owner: number): number {
  return locked((v) => {
    let count = 0;
    const end = heapEnd(v);
    for (let at = HEAP_START; at < end; at += v.words[at / 4 + SIZE]) {
      const w = at / 4;
      if (v.words[w + STATE] !== LINKED || v.words[w + OWNER] !== owner) {
        continue;
      }
      v.words[w + STATE] = v.words[w + OPEN] === 0 ? FREE : UNLINKED;
      count++;
    }
    return count;
  });
}

/** Heap statistics for tests: bytes from the heap's start to its end. */
export function heapUsed(): number {
  return heapEnd(views()) - HEAP_START;
}
