// The shared memory of a pipe: one ring per direction, then each end's
// handle table (see `_handles.ts`).
import { initRing, ringLength } from "./_ring.ts";
import { HANDLES_LENGTH } from "./_handles.ts";

/** Bytes of shared memory per direction; larger messages stream through. */
const CAPACITY = 1 << 16;
const UNBOUNDED = 0x7fffffff;

/** What one end of a pipe reads, writes and is held through. */
export interface Ends {
  readonly reader: Int32Array | null;
  readonly writer: Int32Array | null;
  /** The end's handle table (see `_handles.ts`). */
  readonly handles: Int32Array;
}

/** The memory of a pipe with `rings` directions (1 or 2). */
export function pipeMemory(rings: number): SharedArrayBuffer {
  return new SharedArrayBuffer(
    (rings * ringLength(CAPACITY) + 2 * HANDLES_LENGTH) * 4,
  );
}

/** Ring `index` of a pipe's memory, set up empty. */
export function ring(buffer: SharedArrayBuffer, index: number): Int32Array {
  const length = ringLength(CAPACITY);
  const cells = new Int32Array(buffer, index * length * 4, length);
  initRing(cells, UNBOUNDED);
  return cells;
}

/** The handle table of end `index` (0 or 1), after `rings` rings. */
export function handles(
  buffer: SharedArrayBuffer,
  rings: number,
  index: number,
): Int32Array {
  const at = (rings * ringLength(CAPACITY) + index * HANDLES_LENGTH) * 4;
  return new Int32Array(buffer, at, HANDLES_LENGTH);
}
