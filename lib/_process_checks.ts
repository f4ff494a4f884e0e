// Checks of what `new Process(…)` and `start()` are given.
import { encode } from "./_core/codec.ts";
import { functionRef, moduleUrls } from "./_core/function_ref.ts";
import { checkOptions, describe } from "./_core/validate.ts";
import type { ProcessOptions } from "./process_options.ts";

const KNOWN_OPTIONS = [
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

/** The options of `new Process(…)`, checked, with their defaults. */
export interface CheckedOptions<A extends unknown[]> {
  target: ProcessOptions<A>["target"];
  args: A;
  name: string;
  modules: string[];
  daemon: boolean;
}

/**
 * Checks the options of `new Process(…)`; `overridden` tells whether the
 * subclass overrides `run()` (then `target` may be missing), `defaultName`
 * names a process given no name.
 */
export function checkProcessOptions<A extends unknown[]>(
  options: ProcessOptions<A>,
  overridden: boolean,
  defaultName: () => string,
): CheckedOptions<A> {
  const what = "create Process";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${what}: options must be an object with a "target", received ${
        describe(options)
      }`,
    );
  }
  checkOptions(what, options, KNOWN_OPTIONS);
  const {
    target,
    args = [] as unknown as A,
    name = defaultName(),
    module,
    daemon = false,
  } = options;
  if (!globalThis.Array.isArray(args)) {
    throw new TypeError(
      `Cannot ${what}: "args" must be an array, received ${describe(args)}`,
    );
  }
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot ${what}: "name" must be a string, received ${describe(name)}`,
    );
  }
  checkDaemon(what, daemon);
  const modules = moduleUrls(what, module);
  if (target !== undefined || !overridden) {
    functionRef(what, "target", target, modules); // validates
  }
  return { target, args, name, modules, daemon };
}
