// The shared memory behind every shareable object, and how a rebuilt object
// receives the memory it was reduced from: its rebuilder passes that memory
// to the constructor explicitly, wrapped in an `Adopted`, through a
// constructor overload marked `@ignore` (left out of the documentation).
// `Adopted` is not exported from mod.ts, so a user's `new Lock()` always
// allocates memory of its own.

/** Memory handed to a constructor by the rebuilder of its kind. */
export class Adopted<T> {
  constructor(readonly memory: T) {}
}

/** The memory `given` carries, or else `create()`. */
export function adoptedOr<T>(
  given: Adopted<T> | undefined,
  create: () => T,
): T {
  return given instanceof Adopted ? given.memory : create();
}

/**
 * What `given` carries, for a constructor that only its factory may call:
 * without it, a `TypeError` that says to use `factory`.
 */
export function adoptedOnly<T>(
  given: Adopted<T> | undefined,
  what: string,
  factory: string,
): T {
  if (given instanceof Adopted) return given.memory;
  throw new TypeError(`Cannot create ${what}: use ${factory}`);
}

/** Shared ints for a synchronization object: `given`, or new ones set up by `init`. */
export function sharedCells(
  given: Adopted<Int32Array> | undefined,
  length: number,
  init?: (cells: Int32Array) => void,
): Int32Array {
  return adoptedOr(given, () => {
    const cells = new Int32Array(new SharedArrayBuffer(length * 4));
    init?.(cells);
    return cells;
  });
}
