// Validation of Pool's constructor and method arguments.
import { clones, encode } from "../_core/codec.ts";
import type { DispatcherOptions } from "./_dispatch.ts";
import { functionRef, moduleUrls } from "../_core/function_ref.ts";
import { CALL, ITEM, MAP, type STARMAP } from "../_core/protocol.ts";
import { describe, optionsObject, positiveInteger } from "../_core/validate.ts";
import type { AsyncResultCallbacks } from "./async_result.ts";
import type { PoolOptions, SubmitOptions } from "./options.ts";
import { cpuCount } from "../current_process.ts";

export const POOL_OPTIONS = [
  "processes",
  "initializer",
  "initargs",
  "maxtasksperchild",
  "module",
] as const;
export const MAP_OPTIONS = ["chunksize", "signal"] as const;
export const MAP_ASYNC_OPTIONS = [...MAP_OPTIONS, "callback", "errorCallback"];
export const APPLY_OPTIONS = ["signal"] as const;
export const APPLY_ASYNC_OPTIONS = [
  ...APPLY_OPTIONS,
  "callback",
  "errorCallback",
];
/** What `new Pool(…)` was asked for, checked. */
export interface ParsedPoolOptions extends DispatcherOptions {
  modules: string[];
}

/** Checks the arguments of `new Pool(processes?, options?)` or `new Pool(options)`. */
export function parsePoolOptions(
  first: number | null | PoolOptions | undefined,
  second: PoolOptions | undefined,
): ParsedPoolOptions {
  const what = "create Pool";
  const byNumber = typeof first !== "object" || first === null;
  const options = optionsObject(
    what,
    byNumber ? second : first,
    POOL_OPTIONS,
  );
  const processes = (byNumber ? first : undefined) ?? options.processes;
  const count = processes === undefined || processes === null
    ? cpuCount()
    : positiveInteger(what, "processes", processes);
  const { initializer, initargs = [] as unknown[], maxtasksperchild } = options;
  if (!globalThis.Array.isArray(initargs)) {
    throw new TypeError(
      `Cannot ${what}: "initargs" must be an array, received ${
        describe(initargs)
      }`,
    );
  }
  const modules = moduleUrls(what, options.module);
  const encoded = encode(initargs) as unknown[];
  for (let i = 0; i < encoded.length; i++) {
    if (!clones(encoded[i])) {
      throw new TypeError(
        `Cannot ${what}: initargs[${i}] (${
          describe(initargs[i])
        }) could not be sent to a worker`,
      );
    }
  }
  return {
    processes: count,
    modules,
    initializer: initializer === undefined
      ? null
      : functionRef(what, "initializer", initializer, modules),
    initargs: encoded,
    maxtasks: maxtasksperchild === undefined || maxtasksperchild === null
      ? Infinity
      : positiveInteger(what, "maxtasksperchild", maxtasksperchild),
  };
}

/** The items of a map call as an array (the array itself when it is one). */
export function itemsOf(
  what: string,
  iterable: Iterable<unknown>,
  spread: boolean,
): unknown[] {
  if (isIterable(iterable, Symbol.iterator)) {
    const items = globalThis.Array.isArray(iterable)
      ? iterable
      : globalThis.Array.from(iterable);
    if (spread) {
      for (let i = 0; i < items.length; i++) {
        if (!globalThis.Array.isArray(items[i])) {
          throw new TypeError(
            `Cannot ${what}: iterable[${i}] must be an array of arguments, received ${
              describe(items[i])
            }`,
          );
        }
      }
    }
    return items;
  }
  throw new TypeError(
    `Cannot ${what}: "iterable" must be iterable, received ${
      describe(iterable)
    }`,
  );
}

export function callbacks<R>(
  what: string,
  options: Partial<AsyncResultCallbacks<R>>,
): AsyncResultCallbacks<R> {
  for (const name of ["callback", "errorCallback"] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== "function") {
      throw new TypeError(
        `Cannot ${what}: "${name}" must be a function, received ${
          describe(value)
        }`,
      );
    }
  }
  return options;
}

export function checkSignal(
  what: string,
  options: SubmitOptions,
): AbortSignal | undefined {
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot ${what}: "signal" must be an AbortSignal, received ${
        describe(signal)
      }`,
    );
  }
  return signal;
}

export function isIterable(value: unknown, method: symbol): boolean {
  return value !== null && value !== undefined &&
    typeof (value as Record<symbol, unknown>)[method] === "function";
}

/** The arguments of an apply call as an array (`[]` when not given). */
export function argsOf(what: string, args: unknown): unknown[] {
  if (args === undefined) return [];
  if (!globalThis.Array.isArray(args)) {
    throw new TypeError(
      `Cannot ${what}: "args" must be an array, received ${describe(args)}`,
    );
  }
  return args;
}

/** Checks that an imap call's `iterable` is iterable or async iterable. */
export function checkLazyItems(what: string, iterable: unknown): void {
  if (
    !isIterable(iterable, Symbol.iterator) &&
    !isIterable(iterable, Symbol.asyncIterator)
  ) {
    throw new TypeError(
      `Cannot ${what}: "iterable" must be iterable or async iterable, received ${
        describe(iterable)
      }`,
    );
  }
}

/**
 * A map call's chunk size: the one given, or Python's default of about four
 * chunks per process.
 */
export function mapChunksize(
  what: string,
  given: unknown,
  items: number,
  processes: number,
): number {
  return given === undefined
    ? Math.max(1, Math.ceil(items / (4 * processes)))
    : positiveInteger(what, "chunksize", given);
}

/** An imap call's chunk size: the one given, or 1 as in Python. */
export function imapChunksize(what: string, given: unknown): number {
  return given === undefined ? 1 : positiveInteger(what, "chunksize", given);
}

/**
 * Splits a map call's items into its tasks: with `chunksize` 1 each item is
 * a task of its own (`ITEM` for map, `CALL` for starmap), else each slice of
 * `chunksize` items is one (`MAP` or `STARMAP`).
 */
export function eachChunk(
  items: unknown[],
  chunksize: number,
  kind: typeof MAP | typeof STARMAP,
  submit: (
    index: number,
    start: number,
    kind: typeof ITEM | typeof CALL | typeof MAP | typeof STARMAP,
    payload: unknown,
  ) => void,
): void {
  if (chunksize === 1) {
    const single = kind === MAP ? ITEM : CALL;
    for (let i = 0; i < items.length; i++) submit(i, i, single, items[i]);
    return;
  }
  for (let i = 0, start = 0; start < items.length; i++) {
    submit(i, start, kind, items.slice(start, start + chunksize));
    start += chunksize;
  }
}
