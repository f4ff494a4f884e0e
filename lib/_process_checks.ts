// Checks of what `new Process(…)` and `start()` are given.
import { encode } from "./_core/codec.ts";
import { describe } from "./_core/validate.ts";

export const KNOWN_OPTIONS = [
  "target",
  "args",
  "name",
  "module",
  "daemon",
] as const;

/** Checks the `daemon` option or property. */
export function checkDaemon(what: string, daemon: unknown): void {
  if (typeof daemon !== "boolean") {
    throw new TypeError(
      `Cannot ${what}: "daemon" must be a boolean, received ${
        describe(daemon)
      }`,
    );
  }
}

/** Which argument could not be sent to a worker, for the error message. */
export function uncloneable(args: unknown[]): string {
  for (let i = 0; i < args.length; i++) {
    try {
      structuredClone(encode(args[i]));
    } catch {
      return `args[${i}] (${describe(args[i])})`;
    }
  }
  return "an argument";
}
