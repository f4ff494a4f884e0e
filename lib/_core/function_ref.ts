// How a function reaches a worker. Exports of the modules a caller lists go
// by reference: the worker imports the module and finds the export whose
// source matches, so closures over the module's imports keep working. Any
// other function goes as source text and must be self-contained.
import { describe } from "./validate.ts";
import { ProcessError } from "../errors.ts";

/** A function as it travels to a worker: its source and where to look for it. */
export interface FunctionRef {
  readonly name: string;
  readonly source: string;
  readonly modules: readonly string[];
}

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** Validates `module` options into absolute URL strings. */
export function moduleUrls(
  what: string,
  module: string | URL | readonly (string | URL)[] | undefined,
): string[] {
  if (module === undefined) return [];
  const list = typeof module === "string" || module instanceof URL
    ? [module]
    : module;
  if (!globalThis.Array.isArray(list)) {
    throw new TypeError(
      `Cannot ${what}: "module" must be a URL or an array of URLs, received ${
        describe(module)
      }`,
    );
  }
  return list.map((item) => {
    try {
      return new URL(item).href;
    } catch {
      throw new TypeError(
        `Cannot ${what}: "module" must hold absolute URLs such as import.meta.url, received ${
          describe(item)
        }`,
      );
    }
  });
}

/** Describes `fn` for a worker; throws when it has no usable source text. */
export function functionRef(
  what: string,
  argument: string,
  fn: unknown,
  modules: readonly string[],
): FunctionRef {
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot ${what}: "${argument}" must be a function, received ${
        describe(fn)
      }`,
    );
  }
  const source = Function.prototype.toString.call(fn);
  if (source.endsWith("{ [native code] }")) {
    throw new TypeError(
      `Cannot ${what}: "${argument}" is a native or bound function, which has no source to send; wrap it in a function of your own, received ${
        describe(fn)
      }`,
    );
  }
  return { name: fn.name || "anonymous", source, modules };
}

const resolved = new Map<string, Promise<AnyFunction>>();
/** The task modules this thread is importing right now. */
const importing: string[] = [];

/**
 * Throws while this thread is importing a task module: a module that starts
 * a Process or Pool at top level would otherwise do so again in every
 * worker that imports it, which starts more workers, forever.
 */
export function checkNotImporting(what: string): void {
  if (importing.length === 0) return;
  throw new ProcessError(
    `Cannot ${what}: this worker is still importing ${
      importing[importing.length - 1]
    }; guard the module's start-up code with \`if (isMain(import.meta))\`, like Python's \`if __name__ == "__main__"\`, so that workers importing it for its exports start nothing`,
  );
}

/** Finds or compiles the function `ref` names; cached per worker. */
export function resolveFunction(ref: FunctionRef): Promise<AnyFunction> {
  const key = ref.modules.join("\n") + "\n" + ref.source;
  let fn = resolved.get(key);
  if (fn === undefined) {
    fn = findExport(ref).then((found) => found ?? compile(ref));
    resolved.set(key, fn);
  }
  return fn;
}

/** Modules this thread imported for function references, by URL. */
const namespaces = new Map<string, Record<string, unknown>>();

function exportIn(
  exports: Record<string, unknown>,
  source: string,
): AnyFunction | undefined {
  for (const value of Object.values(exports)) {
    if (
      typeof value === "function" &&
      Function.prototype.toString.call(value) === source
    ) {
      return value as AnyFunction;
    }
  }
  return undefined;
}

async function findExport(ref: FunctionRef): Promise<AnyFunction | undefined> {
  for (const url of ref.modules) {
    let exports = namespaces.get(url);
    if (exports === undefined) {
      importing.push(url);
      try {
        exports = await import(url) as Record<string, unknown>;
      } finally {
        importing.splice(importing.lastIndexOf(url), 1);
      }
      namespaces.set(url, exports);
    }
    const found = exportIn(exports, ref.source);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The export `ref` names, synchronously, if one of its modules was already
 * imported on this thread (e.g. for the task that received `ref`).
 */
export function loadedExport(ref: FunctionRef): AnyFunction | undefined {
  for (const url of ref.modules) {
    const exports = namespaces.get(url);
    const found = exports && exportIn(exports, ref.source);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Compiles a function sent as source text, synchronously. */
export function compile(ref: FunctionRef): AnyFunction {
  let fn: AnyFunction;
  try {
    fn = new Function(`return (${ref.source});`)();
  } catch {
    // A method (`f() {}`, `async f() {}`, `*f() {}`) is not an expression.
    const method = ref.source.startsWith("async ")
      ? `async function ${ref.source.slice(6)}`
      : `function ${ref.source}`;
    fn = new Function(`return (${method});`)();
  }
  return explainingMissingNames(ref.name, fn);
}

/** Rewrites a `ReferenceError` from source-sent code into a how-to-fix. */
function explainingMissingNames(name: string, fn: AnyFunction): AnyFunction {
  function explain(error: unknown): never {
    if (!(error instanceof ReferenceError)) throw error;
    const missing = /^(\S+) is not defined/.exec(error.message)?.[1] ??
      /Can't find variable: (\S+)/.exec(error.message)?.[1] ?? "a name";
    throw new ReferenceError(
      `Cannot run function "${name}" in a worker: it uses ${missing}, which is not defined there. ` +
        `A function sent as source text must be self-contained: pass ${missing} as an argument, ` +
        `or export the function from a module and list it in the "module" option (e.g. { module: import.meta.url })`,
      { cause: error },
    );
  }
  return function (this: unknown, ...args: unknown[]): unknown {
    try {
      // A class sent as source (a manager factory) is called with `new`.
      const result = new.target === undefined
        ? fn.apply(this, args)
        : Reflect.construct(fn, args);
      return result instanceof Promise ? result.catch(explain) : result;
    } catch (error) {
      explain(error);
    }
  };
}
