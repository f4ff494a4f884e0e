// Which methods of a served object a proxy may call: by default its public
// methods (Python's `public_methods`: callable, not starting with `_`), or
// exactly the list given to `register(typeid, factory, { exposed })`.
// Never `constructor`, `__proto__` or a property that is not a method, and
// no getter runs to find out.
import { describe } from "../_core/validate.ts";

const NEVER = new Set(["constructor", "__proto__"]);
const defaults = new WeakMap<object, ReadonlySet<string>>();

/** The data property `name` of `value` or its prototypes, without getters. */
function lookUp(value: object, name: string): unknown {
  for (
    let at: object | null = value;
    at !== null && at !== Object.prototype;
    at = Object.getPrototypeOf(at)
  ) {
    const descriptor = Object.getOwnPropertyDescriptor(at, name);
    if (descriptor !== undefined) return descriptor.value;
  }
  return undefined;
}

/** The public methods of `value`, below `Object.prototype`. */
function publicMethods(value: object): ReadonlySet<string> {
  const proto = Object.getPrototypeOf(value);
  const key = proto === Object.prototype || proto === null ? value : proto;
  let names = defaults.get(key);
  if (names === undefined) {
    const found = new Set<string>();
    for (
      let at: object | null = value;
      at !== null && at !== Object.prototype;
      at = Object.getPrototypeOf(at)
    ) {
      for (const name of Object.getOwnPropertyNames(at)) {
        if (
          !name.startsWith("_") && !NEVER.has(name) &&
          typeof lookUp(value, name) === "function"
        ) found.add(name);
      }
    }
    names = found;
    defaults.set(key, names);
  }
  return names;
}

/**
 * Checks a `register(..., { exposed })` list.
 *
 * @throws {TypeError} If it is not an array of method names, or names
 * `constructor` or `__proto__`.
 */
export function checkExposed(what: string, exposed: unknown): string[] {
  if (
    !Array.isArray(exposed) ||
    !exposed.every((name) => typeof name === "string")
  ) {
    throw new TypeError(
      `Cannot ${what}: "exposed" must be an array of method names, received ${
        describe(exposed)
      }`,
    );
  }
  const bad = exposed.find((name) => NEVER.has(name));
  if (bad !== undefined) {
    throw new TypeError(
      `Cannot ${what}: "exposed" may not name ${bad}, received ${
        describe(bad)
      }`,
    );
  }
  return [...exposed];
}

/**
 * The method `method` of `value`, if a proxy may call it.
 *
 * @throws {TypeError} Naming the method and the type otherwise.
 */
export function exposedMethod(
  value: object,
  typeid: string,
  method: unknown,
  exposed: ReadonlySet<string> | null,
): (...args: unknown[]) => unknown {
  const allowed = typeof method === "string" && !NEVER.has(method) &&
    (exposed ?? publicMethods(value)).has(method);
  const fn = allowed ? lookUp(value, method as string) : undefined;
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot call ${typeid} method: not exposed (only public methods, or those named by register's "exposed"), received ${
        describe(method)
      }`,
    );
  }
  return fn as (...args: unknown[]) => unknown;
}
