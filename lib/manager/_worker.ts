// A manager's server in its own worker: resolve the registered factories,
// listen, report the address, serve until a client asks for shutdown.
import { decode, encodeThrown } from "../_core/codec.ts";
import { adoptIdentity } from "../_core/identity.ts";
import { resolveFunction } from "../_core/function_ref.ts";
import type { FromManager, RunManager } from "../_core/protocol.ts";
import { describe } from "../_core/validate.ts";
import type { ParentPort } from "../_runtime/mod.ts";
import { type ChannelEnd, channelEnd } from "./_channel.ts";
import { type Factory, syncTypes } from "./_served/objects.ts";
import { ManagerServer, type ServerConfig } from "./_server.ts";

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

let parentChannel: ChannelEnd | null = null;

/** Bytes the parent sent on its own connection. */
export function fromParent(bytes: ArrayBuffer | Uint8Array): void {
  parentChannel?.receive(bytes);
}

/**
 * Runs the server a `RunManager` message describes, then ends the worker.
 * The parent's own connection runs over the worker channel (postMessage is
 * quicker than TCP loopback); every other thread connects over TCP.
 */
export async function serveManager(
  message: RunManager,
  parent: ParentPort,
): Promise<void> {
  adoptIdentity(message.identity);
  let server: ManagerServer;
  try {
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
    server = new ManagerServer({
      address: message.address,
      authkey: message.authkey,
      ...serverTypes(message.sync, message.poolModules, registered),
      ...message.server,
    });
    const address = await server.listen();
    const post = (bytes: ArrayBuffer) =>
      parent.postMessage({ type: "manager-data", bytes } as FromManager);
    let events = { data(_: Uint8Array) {}, close() {} };
    parentChannel = channelEnd({ post }, {
      data: (bytes) => events.data(bytes),
      close: () => events.close(),
    });
    events = server.attach(parentChannel.socket);
    parent.postMessage({ type: "manager-ready", address } as FromManager);
  } catch (error) {
    parent.postMessage(
      { type: "manager-failed", error: encodeThrown(error) } as FromManager,
    );
    return parent.exit(1);
  }
  await server.serveForever();
  parent.exit(0);
}
