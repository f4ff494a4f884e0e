// The checks of `register(typeid, factory, options)` and of
// `start({ initializer, initargs })`, and what they come to.
import { clones, encode } from "../_core/codec.ts";
import { type FunctionRef, functionRef } from "../_core/function_ref.ts";
import { describe, optionsObject } from "../_core/validate.ts";
import type { ProxyMaker } from "./_client.ts";
import { checkExposed } from "./_exposed.ts";
import { BaseProxy, type ProxyToken } from "./proxy.ts";

/** A name a manager type may have. */
export const TYPEID: RegExp = /^[A-Za-z$][\w$]*$/;

/** `register`'s checked options, Python's defaults applied. */
export interface TypeSettings {
  readonly exposed: readonly string[] | null;
  readonly methodToTypeid: Readonly<Record<string, string>> | null;
  readonly proxyMaker: ProxyMaker | null;
  readonly createMethod: boolean;
}

function checkMethodToTypeid(
  what: string,
  map: unknown,
): Readonly<Record<string, string>> {
  const ok = typeof map === "object" && map !== null && !Array.isArray(map) &&
    Object.values(map).every((t) => typeof t === "string" && TYPEID.test(t));
  if (!ok) {
    throw new TypeError(
      `Cannot ${what}: "methodToTypeid" must map method names to typeids, received ${
        describe(map)
      }`,
    );
  }
  return Object.fromEntries(Object.entries(map));
}

function makerOf(what: string, proxytype: unknown): ProxyMaker {
  if (typeof proxytype !== "function") {
    throw new TypeError(
      `Cannot ${what}: "proxytype" must be a proxy class or a function, received ${
        describe(proxytype)
      }`,
    );
  }
  const isClass = proxytype === BaseProxy ||
    proxytype.prototype instanceof BaseProxy;
  return isClass
    ? (token) => new (proxytype as new (t: ProxyToken) => unknown)(token)
    : (token) => (proxytype as (t: ProxyToken) => unknown)(token);
}

/**
 * Checks `register`'s options. As in Python, `exposed` and
 * `methodToTypeid` default to the proxy type's static `exposed` and
 * `methodToTypeid`.
 *
 * @throws {TypeError} If an option is unknown or of the wrong type.
 */
export function typeSettings(what: string, options: unknown): TypeSettings {
  const { exposed, methodToTypeid, proxytype, createMethod = true } =
    optionsObject(what, options as Record<string, unknown> | undefined, [
      "exposed",
      "methodToTypeid",
      "proxytype",
      "createMethod",
    ]);
  if (typeof createMethod !== "boolean") {
    throw new TypeError(
      `Cannot ${what}: "createMethod" must be a boolean, received ${
        describe(createMethod)
      }`,
    );
  }
  const proxyMaker = proxytype === undefined ? null : makerOf(what, proxytype);
  const statics = (proxytype ?? {}) as Record<string, unknown>;
  const names = exposed ?? statics.exposed;
  const results = methodToTypeid ?? statics.methodToTypeid;
  return {
    exposed: names === undefined ? null : checkExposed(what, names),
    methodToTypeid: results === undefined
      ? null
      : checkMethodToTypeid(what, results),
    proxyMaker,
    createMethod,
  };
}

/** `start()`'s checked options: the initializer and its encoded arguments. */
export interface StartSettings {
  readonly initializer: FunctionRef | null;
  readonly initargs: readonly unknown[];
}

/**
 * Checks `start({ initializer, initargs })`; an initializer exported from
 * one of `modules` goes by reference.
 *
 * @throws {TypeError} If an option is unknown or of the wrong type, or an
 * argument cannot be sent to the server's worker.
 */
export function startSettings(
  options: unknown,
  modules: readonly string[],
): StartSettings {
  const what = "start manager";
  const { initializer, initargs = [] } = optionsObject(
    what,
    options as Record<string, unknown> | undefined,
    ["initializer", "initargs"],
  );
  if (!Array.isArray(initargs)) {
    throw new TypeError(
      `Cannot ${what}: "initargs" must be an array, received ${
        describe(initargs)
      }`,
    );
  }
  const encoded = encode(initargs) as unknown[];
  const bad = encoded.findIndex((arg) => !clones(arg));
  if (bad !== -1) {
    throw new TypeError(
      `Cannot ${what}: initargs[${bad}] (${
        describe(initargs[bad])
      }) could not be sent to the server's worker`,
    );
  }
  return {
    initializer: initializer === undefined
      ? null
      : functionRef(what, "initializer", initializer, modules),
    initargs: encoded,
  };
}

/**
 * Checks that every `methodToTypeid` target is registered in `types` or
 * among `builtIn` (the SyncManager's types).
 *
 * @throws {TypeError} Naming the type, the method and the missing target.
 */
export function checkResultTypes(
  types: ReadonlyMap<string, TypeSettings>,
  builtIn: Iterable<string>,
): void {
  const known = new Set([...builtIn, ...types.keys()]);
  for (const [typeid, { methodToTypeid }] of types) {
    for (const [method, target] of Object.entries(methodToTypeid ?? {})) {
      if (!known.has(target)) {
        throw new TypeError(
          `Cannot start manager: methodToTypeid of ${typeid} maps ${method}() to a typeid that is not registered, received "${target}"`,
        );
      }
    }
  }
}

/** The registered types, each factory made into what `make` returns. */
export function registered<F>(
  types: ReadonlyMap<string, TypeSettings>,
  factories: ReadonlyMap<string, unknown>,
  make: (factory: unknown, typeid: string) => F,
): {
  typeid: string;
  factory: F | null;
  exposed: readonly string[] | null;
  methodToTypeid: Readonly<Record<string, string>> | null;
}[] {
  return [...types].map(([typeid, type]) => {
    const factory = factories.get(typeid);
    return {
      typeid,
      factory: factory === undefined ? null : make(factory, typeid),
      exposed: type.exposed,
      methodToTypeid: type.methodToTypeid,
    };
  });
}
