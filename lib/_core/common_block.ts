// The one block of shared memory every thread of this OS process reaches
// without asking anyone: the main thread creates it at load, and it travels
// to each worker inside the worker's identity (it is the buffer under
// `Identity.pids`). Process-wide state lives here: the pid counter, the
// logging level, and the heap that named `SharedMemory` blocks come from.
// It is a growable SharedArrayBuffer: only the heap's used part is
// committed; the rest is reserved address space.

/** Int32 cell: the last pid handed out (must stay cell 0: `pids[0]`). */
export const PIDS = 0;
/** Int32 cell: the logging level every thread filters by (0: not set). */
export const LOG_LEVEL = 1;
/** Int32 cell: 1 once `logToStderr()` ran in any thread. */
export const LOG_TO_STDERR = 5;
/** Int32 cell: the heap's mutex word. */
export const HEAP_LOCK = 2;
/** Int32 cell: the last serial number given to a heap block. */
export const HEAP_SERIAL = 3;
/** Uint32 cell: the byte offset where the heap's used part ends (0: empty). */
export const HEAP_END = 4;
/** Byte offset of the heap's first block. */
export const HEAP_START = 64;

/** Reservations to try, largest first: some hosts limit address space. */
const MAX_BYTES = [2 ** 32, 2 ** 30, 2 ** 28, 2 ** 26];

/** Creates the block; only the main thread's copy is ever used. */
export function createCommonBlock(): SharedArrayBuffer {
  for (const maxByteLength of MAX_BYTES) {
    try {
      return new SharedArrayBuffer(HEAP_START, { maxByteLength });
    } catch {
      // Too large a reservation for this host: try a smaller one.
    }
  }
  return new SharedArrayBuffer(HEAP_START);
}
