// What a manager's server serves: the SyncManager types and the registered
// ones, with their factories resolved (in the server's worker) and the
// owner's `start({ initializer })` run first.
import { decode } from "../_core/codec.ts";
import { resolveFunction } from "../_core/function_ref.ts";
import type { RunManager } from "../_core/protocol.ts";
import { describe } from "../_core/validate.ts";
import { type Factory, syncTypes } from "./_served/objects.ts";
import type { ServerConfig } from "./_server_config.ts";

/**
 * Makes a registered class or function into a server factory; `source` is
 * the original's source text (a compiled class hides behind a function).
 */
export function factoryOf(
  typeid: string,
  fn: unknown,
  source = Function.prototype.toString.call(fn),
): Factory {
  const isClass = /^class\b/.test(source);
  return (args) => {
    const made = isClass
      ? Reflect.construct(fn as new (...a: unknown[]) => object, args)
      : (fn as (...a: unknown[]) => unknown)(...args);
    if (typeof made !== "object" || made === null) {
      throw new TypeError(
        `Cannot create ${typeid}: its factory must return an object, received ${
          describe(made)
        }`,
      );
    }
    return made;
  };
}

/** A type registered on a manager, as its server serves it. */
export interface RegisteredType {
  readonly typeid: string;
  /** `null`: served only as what a method returns (`methodToTypeid`). */
  readonly factory: Factory | null;
  readonly exposed: readonly string[] | null;
  readonly methodToTypeid: Readonly<Record<string, string>> | null;
}

/** What a server serves: the SyncManager types if `sync`, then `registered`. */
export function serverTypes(
  sync: boolean,
  poolModules: readonly string[],
  registered: Iterable<RegisteredType>,
): Pick<ServerConfig, "factories" | "exposed" | "methodToTypeid"> {
  const { factories, methodToTypeid } = sync
    ? syncTypes(poolModules)
    : { factories: new Map(), methodToTypeid: new Map() };
  const exposed = new Map<string, readonly string[]>();
  for (const type of registered) {
    factories.set(type.typeid, type.factory);
    if (type.exposed !== null) exposed.set(type.typeid, type.exposed);
    if (type.methodToTypeid !== null) {
      methodToTypeid.set(type.typeid, type.methodToTypeid);
    }
  }
  return { factories, exposed, methodToTypeid };
}

/**
 * Runs the initializer of `message`, then resolves its factories: what the
 * server it describes serves.
 */
export async function servedTypesOf(
  message: RunManager,
): Promise<Pick<ServerConfig, "factories" | "exposed" | "methodToTypeid">> {
  if (message.initializer !== null) {
    const initializer = await resolveFunction(message.initializer);
    await initializer(...(decode(message.initargs) as unknown[]));
  }
  const registered: RegisteredType[] = [];
  for (
    const { typeid, factory, exposed, methodToTypeid } of message.factories
  ) {
    const fn = factory === null ? null : await resolveFunction(factory);
    registered.push({
      typeid,
      factory: fn === null ? null : factoryOf(typeid, fn, factory!.source),
      exposed,
      methodToTypeid,
    });
  }
  return serverTypes(message.sync, message.poolModules, registered);
}
