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

/** Arrays and plain objects: what the codec looks inside. */
function isContainer(value: object): boolean {
  return globalThis.Array.isArray(value) || isPlainObject(value);
}

/** The values held directly by a container. */
function children(value: object): unknown[] {
  return globalThis.Array.isArray(value)
    ? value
    : Object.values(value as Record<string, unknown>);
}

/**
 * Whether a container holds, at any depth, a value `found` accepts. Walks
 * with its own stack and remembers nested containers, so cycles and deep
 * nesting are fine; a flat array of primitives allocates nothing.
 */
function holds(root: object, found: (value: object) => boolean): boolean {
  const stack: object[] = [root];
  let seen: Set<object> | undefined;
  while (stack.length > 0) {
    const container = stack.pop()!;
    const items = children(container);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (typeof item !== "object" || item === null) continue;
      if (found(item)) return true;
      if (!isContainer(item) || item === root) continue;
      seen ??= new Set();
      if (seen.has(item)) continue;
      seen.add(item);
      stack.push(item);
    }
  }
  return false;
}

function isShareable(value: object): boolean {
  return reduce in value;
}

function isReduced(value: object): boolean {
  return TAG in value;
}

/** Replaces each slot of a container by what `map` returns for it. */
function remap(container: object, map: (item: unknown) => unknown): void {
  const slots = container as Record<string | number, unknown>;
  if (globalThis.Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) slots[i] = map(slots[i]);
  } else {
    for (const key of Object.keys(container)) slots[key] = map(slots[key]);
  }
}

/** A shallow copy of an array or plain object, keeping its prototype. */
function shallowCopy(value: object): object {
  if (globalThis.Array.isArray(value)) return value.slice();
  return Object.assign(Object.create(Object.getPrototypeOf(value)), value);
}

/**
 * Replaces shareable objects inside arrays and plain objects by their reduced
 * form. Returns `value` itself when it holds none, so the common case copies
 * nothing. Otherwise every array and plain object is copied once, so shared
 * references and cycles keep their shape, and a shareable met twice is
 * reduced once.
 */
export function encode(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (isShareable(value)) return (value as Shareable)[reduce]();
  if (!isContainer(value) || !holds(value, isShareable)) return value;
  const copies = new Map<object, unknown>();
  const stack: object[] = [];
  const copyOf = (item: unknown): unknown => {
    if (typeof item !== "object" || item === null) return item;
    let copy = copies.get(item);
    if (copy === undefined) {
      if (isShareable(item)) copy = (item as Shareable)[reduce]();
      else if (isContainer(item)) stack.push(copy = shallowCopy(item));
      else copy = item;
      copies.set(item, copy);
    }
    return copy;
  };
  const root = copyOf(value);
  while (stack.length > 0) remap(stack.pop()!, copyOf);
  return root;
}

function rebuild(value: object): unknown {
  const { [TAG]: tag, state } = value as Reduced;
  const rebuilder = rebuilders.get(tag);
  if (rebuilder === undefined) {
    throw new TypeError(
      `Cannot rebuild shared object: unknown kind, received "${tag}"`,
    );
  }
  return rebuilder(state);
}

/**
 * Undoes {@linkcode encode} on the receiving thread, in place. Cycles are
 * fine, and a reduced object that arrives twice is rebuilt once.
 */
export function decode(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (isReduced(value)) return rebuild(value);
  if (!isContainer(value) || !holds(value, isReduced)) return value;
  const rebuilt = new Map<object, unknown>();
  const seen = new Set<object>([value]);
  const stack: object[] = [value];
  const decodeItem = (item: unknown): unknown => {
    if (typeof item !== "object" || item === null) return item;
    if (isReduced(item)) {
      let object = rebuilt.get(item);
      if (object === undefined) rebuilt.set(item, object = rebuild(item));
      return object;
    }
    if (isContainer(item) && !seen.has(item)) {
      seen.add(item);
      stack.push(item);
    }
    return item;
  };
  while (stack.length > 0) remap(stack.pop()!, decodeItem);
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
