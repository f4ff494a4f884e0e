// A manager's server in its own worker: resolve the registered factories,
// listen, report the address, serve until a client asks for shutdown.
import { encodeThrown } from "../_core/codec.ts";
import { adoptIdentity } from "../_core/identity.ts";
import { resolveFunction } from "../_core/function_ref.ts";
import type { FromManager, RunManager } from "../_core/protocol.ts";
import { describe } from "../_core/validate.ts";
import type { ParentPort } from "../_runtime/mod.ts";
import { type ChannelEnd, channelEnd } from "./_channel.ts";
import { type Factory, syncFactories } from "./_served/objects.ts";
import { ManagerServer } from "./_server.ts";

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
    const factories = message.sync ? syncFactories() : new Map();
    const exposed = new Map<string, readonly string[]>();
    for (const { typeid, factory, exposed: names } of message.factories) {
      const fn = await resolveFunction(factory);
      factories.set(typeid, factoryOf(typeid, fn, factory.source));
      if (names !== null) exposed.set(typeid, names);
    }
    server = new ManagerServer({
      address: message.address,
      authkey: message.authkey,
      factories,
      exposed,
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
