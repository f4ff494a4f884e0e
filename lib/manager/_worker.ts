// A manager's server in its own worker: resolve the registered factories,
// listen, report the address, serve until a client asks for shutdown.
import { encodeThrown } from "../_core/codec.ts";
import { adoptIdentity } from "../_core/identity.ts";
import type { FromManager, RunManager } from "../_core/protocol.ts";
import type { ParentPort } from "../_runtime/mod.ts";
import { type ChannelEnd, channelEnd } from "./_channel.ts";
import { ManagerServer } from "./_server.ts";
import { servedTypesOf } from "./_server_types.ts";

let parentChannel: ChannelEnd | null = null;

/** Bytes the parent sent on its own connection. */
export function fromParent(bytes: ArrayBuffer | Uint8Array): void {
  parentChannel?.receive(bytes);
}

/**
 * Runs the server a `RunManager` message describes, then ends the worker.
 * The parent's own connection runs over the worker channel (postMessage is
 * quicker than TCP loopback); every other thread connects over TCP. Clients
 * of this OS process then move to a slot of the server's shared memory
 * (`_lobby.ts`), which the parent gets in the ready message.
 */
export async function serveManager(
  message: RunManager,
  parent: ParentPort,
): Promise<void> {
  adoptIdentity(message.identity);
  let server: ManagerServer;
  try {
    server = new ManagerServer({
      address: message.address,
      authkey: message.authkey,
      ...await servedTypesOf(message),
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
    parent.postMessage(
      { type: "manager-ready", address, lobby: server.lobby } as FromManager,
    );
  } catch (error) {
    parent.postMessage(
      { type: "manager-failed", error: encodeThrown(error) } as FromManager,
    );
    return parent.exit(1);
  }
  await server.serveForever();
  parent.exit(0);
}
