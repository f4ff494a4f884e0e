// How values cross a thread boundary beyond what `postMessage` clones:
// shareable objects (locks, shared values, queues, proxies) travel as their
// reduced state and are rebuilt around the same shared memory, and errors
// keep their class, message, own properties and stack.
import * as errors from "../errors.ts";

/** The method a shareable class implements to describe itself for transfer. */
export const reduce: unique symbol = Symbol.for("@seed/multiprocessing/reduce");

/** What a shareable object reduces to: a registered tag and cloneable state. */
export interface Reduced {
  readonly [TAG]: string;
  readonly state: unknown;
}

/** An object that can be passed to a worker and arrive as the same object. */
export interface Shareable {
  [reduce](): Reduced;
}

const TAG = "__seedMultiprocessingShared__";
const rebuilders = new Map<string, (state: unknown) => unknown>();

/** Registers how to rebuild objects reduced under `tag`. */
export function registerShareable(
  tag: string,
  rebuild: (state: unknown) => unknown,
): void {
  rebuilders.set(tag, rebuild);
}

/**
 * The tag of a reduced shareable object whose kind is not registered on this
 * thread yet, else `undefined`.
 */
export function unregisteredTag(value: object): string | undefined {
  if (!(TAG in value)) return undefined;
  const tag = (value as Reduced)[TAG];
  return rebuilders.has(tag) ? undefined : tag;
}

/** Builds the value a shareable object reduces to. */
export function reduced(tag: string, state: unknown): Reduced {
  return { [TAG]: tag, state };
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Replaces shareable objects inside arrays and plain objects by their reduced
 * form. Returns `value` itself when it holds none, so the common case copies
 * nothing.
 */
export function encode(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (reduce in value) return (value as Shareable)[reduce]();
  if (globalThis.Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = encode(value[i]);
      if (item !== value[i]) (copy ??= value.slice())[i] = item;
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const item = encode(value[key]);
    if (item !== value[key]) (copy ??= { ...value })[key] = item;
  }
  return copy ?? value;
}

/** Undoes {@linkcode encode} on the receiving thread. */
export function decode(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (TAG in value) {
    const { [TAG]: tag, state } = value as Reduced;
    const rebuild = rebuilders.get(tag);
    if (rebuild === undefined) {
      throw new TypeError(
        `Cannot rebuild shared object: unknown kind, received "${tag}"`,
      );
    }
    return rebuild(state);
  }
  if (globalThis.Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decode(value[i]);
  } else if (isPlainObject(value)) {
    for (const key in value) value[key] = decode(value[key]);
  }
  return value;
}

/** An error as it crosses a thread: enough to rebuild it faithfully. */
export interface EncodedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
  readonly props: Record<string, unknown>;
}

/** A thrown value as it crosses a thread. */
export type EncodedThrown =
  | { readonly error: EncodedError }
  | { readonly value: unknown };

const SKIPPED = new Set(["name", "message", "stack", "cause"]);

function cloneable(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return String(value);
  }
}

/** Describes a thrown value so that {@linkcode decodeThrown} can rebuild it. */
export function encodeThrown(thrown: unknown): EncodedThrown {
  if (!(thrown instanceof Error)) return { value: cloneable(thrown) };
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (!SKIPPED.has(key)) {
      props[key] = cloneable(
        (thrown as unknown as Record<string, unknown>)[key],
      );
    }
  }
  return {
    error: {
      name: thrown.name,
      message: thrown.message,
      stack: thrown.stack ?? `${thrown.name}: ${thrown.message}`,
      props,
    },
  };
}

const ERROR_CLASSES: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  ...(errors as unknown as Record<string, ErrorConstructor>),
};

/**
 * Rebuilds a thrown value: an error keeps its class (built-in or this
 * library's), name, message and own properties; its `stack` is the remote
 * stack, and so is its `cause`, an error named `RemoteTraceback`.
 */
export function decodeThrown(encoded: EncodedThrown): unknown {
  if ("value" in encoded) return encoded.value;
  const { name, message, stack, props } = encoded.error;
  const cause = new Error(stack);
  cause.name = "RemoteTraceback";
  cause.stack = stack;
  const Class = Object.hasOwn(ERROR_CLASSES, name)
    ? ERROR_CLASSES[name]
    : Error;
  const error = new Class(message);
  Object.assign(error, props);
  const own = { writable: true, configurable: true };
  Object.defineProperties(error, {
    name: { value: name, ...own },
    stack: { value: stack, ...own },
    cause: { value: cause, ...own },
  });
  return error;
}

/** Whether `value` survives `postMessage` (structured clone). */
export function clones(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
