// The numeric fast path of Pool.map: a chunk of numbers travels as the
// ArrayBuffer of one Float64Array (cloned as one block of bytes, where an
// array is cloned item by item; a bare ArrayBuffer because Deno posts typed
// array views far slower), and a worker sends its results back the same way
// while every result is a number. A Float64Array holds every JavaScript
// number exactly (-0, NaN, integers past 2³¹ and 2⁵³ alike), so nothing
// changes but speed. A map chunk is otherwise always an array, so an
// ArrayBuffer in its place can only be this. Each chunk decides for itself:
// in a mixed map, the chunks of numbers alone go this way.

/** A map chunk as it travels: a Float64Array's buffer if all are numbers. */
export function packNumbers(chunk: unknown[]): unknown[] | ArrayBuffer {
  for (let i = 0; i < chunk.length; i++) {
    if (typeof chunk[i] !== "number") return chunk;
  }
  return new Float64Array(chunk as number[]).buffer;
}

/** A chunk as it arrived: the numbers of a buffer, or the array itself. */
export function chunkItems(chunk: unknown): ArrayLike<unknown> {
  return chunk instanceof ArrayBuffer
    ? new Float64Array(chunk)
    : chunk as unknown[];
}

/** Where a chunk's results go: a Float64Array for a chunk of numbers. */
export function resultsFor(
  payload: ArrayLike<unknown>,
): unknown[] | Float64Array {
  return payload instanceof Float64Array
    ? new Float64Array(payload.length)
    : new globalThis.Array(payload.length);
}

/** A chunk's results as they travel: a Float64Array goes as its buffer. */
export function sentResults(results: unknown[] | Float64Array): unknown {
  return results instanceof Float64Array ? results.buffer : results;
}

/** Stores result `i`; the first result that is not a number ends the Float64Array. */
export function store(
  results: unknown[] | Float64Array,
  i: number,
  value: unknown,
): unknown[] | Float64Array {
  if (typeof value !== "number" && results instanceof Float64Array) {
    results = asArray(results);
  }
  results[i] = value as number;
  return results;
}

/** The results as a plain array, for the general path. */
export function asArray(results: unknown[] | Float64Array): unknown[] {
  return results instanceof Float64Array
    ? globalThis.Array.from(results)
    : results;
}
