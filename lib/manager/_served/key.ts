// What a served dict key or set element may be: a value MessagePack carries
// as itself and Map compares by value (no objects, whose identity would not
// survive the trip).
import { describe } from "../../_core/validate.ts";

/** What a dict key or set element may be. */
export type Key = string | number | bigint | boolean | null;

/** `value` as a dict key or set element. @throws {TypeError} If it cannot be one. */
export function key(what: string, value: unknown): Key {
  if (
    value === null ||
    ["string", "number", "bigint", "boolean"].includes(typeof value)
  ) {
    return value as Key;
  }
  throw new TypeError(
    `Cannot ${what}: dict keys and set items must be strings, numbers, bigints, booleans or null, received ${
      describe(value)
    }`,
  );
}
