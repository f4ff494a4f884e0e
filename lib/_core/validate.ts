// Argument checks shared by every public constructor and method. Messages
// follow one shape: "Cannot <do X>: <why>, received <value>".

/** A short, safe rendering of any value for error messages. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(
        value.length > 60 ? value.slice(0, 57) + "..." : value,
      );
    case "function":
      return `function ${value.name || "(anonymous)"}`;
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "object":
      if (value === null) return "null";
      if (globalThis.Array.isArray(value)) {
        return `an array of length ${value.length}`;
      }
      if (value instanceof URL) return `URL ${value.href}`;
      return `an object (${value.constructor?.name ?? "null prototype"})`;
    default:
      return String(value);
  }
}

/** Throws a `TypeError` for any key of `options` not in `known`. */
export function checkOptions(
  what: string,
  options: object,
  known: readonly string[],
): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(
        `Cannot ${what}: unknown option "${key}" (known: ${
          known.join(", ")
        }), received ${describe((options as Record<string, unknown>)[key])}`,
      );
    }
  }
}

/** Checks an optional options argument is an object, and returns it. */
export function optionsObject<T extends object>(
  what: string,
  options: T | undefined,
  known: readonly string[],
): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${what}: options must be an object, received ${
        describe(options)
      }`,
    );
  }
  checkOptions(what, options, known);
  return options;
}

/** Checks that option `name` is an integer >= 1, and returns it. */
export function positiveInteger(
  what: string,
  name: string,
  value: unknown,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new (typeof value === "number" ? RangeError : TypeError)(
      `Cannot ${what}: "${name}" must be an integer of at least 1, received ${
        describe(value)
      }`,
    );
  }
  return value;
}
