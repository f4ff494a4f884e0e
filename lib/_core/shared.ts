// The shared memory behind every shareable object, and how a rebuilt object
// takes over the memory it was reduced from instead of allocating its own.

let adopted: unknown = null;

/**
 * The memory a constructor should use: what {@linkcode rebuildOver} handed
 * it, or else `create()`. Constructors call it before building anything else
 * shareable, which would otherwise take the adopted memory.
 */
export function adoptedOr<T>(create: () => T): T {
  const memory = adopted;
  adopted = null;
  return memory === null ? create() : memory as T;
}

/** Shared ints for a new synchronization object, set up by `init`. */
export function sharedCells(
  length: number,
  init?: (cells: Int32Array) => void,
): Int32Array {
  return adoptedOr(() => {
    const cells = new Int32Array(new SharedArrayBuffer(length * 4));
    init?.(cells);
    return cells;
  });
}

/** Calls `build` (a constructor) so that it adopts `memory`. */
export function rebuildOver<T>(memory: unknown, build: () => T): T {
  adopted = memory;
  try {
    return build();
  } finally {
    adopted = null;
  }
}
