// Starts a manager's server in a new worker and opens the parent's
// connection to it over the worker channel.
import { decodeThrown } from "../_core/codec.ts";
import { WORKER_URL } from "../_core/identity.ts";
import type { FromManager, RunManager } from "../_core/protocol.ts";
import {
  runtime,
  type SocketAddress,
  type WorkerHandle,
} from "../_runtime/mod.ts";
import { type ChannelEnd, channelEnd } from "./_channel.ts";
import { clientOf, type ManagerClient } from "./_client.ts";
import { ProcessError } from "../errors.ts";

/** A server running in a worker, and this thread's connection to it. */
export interface StartedServer {
  readonly worker: WorkerHandle;
  readonly address: SocketAddress;
  readonly client: ManagerClient;
}

/**
 * Runs `message`'s server in a new worker; resolves once it listens and
 * this thread's client has completed its handshake over the channel.
 *
 * @throws {ProcessError} If the server cannot start.
 */
export async function startServer(message: RunManager): Promise<StartedServer> {
  let channel: ChannelEnd | null = null;
  let worker!: WorkerHandle;
  let lobby: SharedArrayBuffer | undefined;
  const listening = new Promise<SocketAddress>((resolve, reject) => {
    worker = runtime.spawn(WORKER_URL, {
      message(data) {
        const reply = data as FromManager;
        if (reply.type === "manager-data") channel?.receive(reply.bytes);
        else if (reply.type === "manager-ready") {
          lobby = reply.lobby;
          resolve(reply.address);
        } else reject(decodeThrown(reply.error));
      },
      exit(code) {
        channel?.receive(new Uint8Array(0));
        reject(new ProcessError(`its server exited with code ${code}`));
      },
    });
  });
  worker.postMessage(message);
  let address: SocketAddress;
  try {
    address = await listening;
  } catch (error) {
    await worker.terminate();
    throw new ProcessError(
      `Cannot start manager: ${(error as Error).message}`,
      { cause: error },
    );
  }
  // A program that never shuts its manager down still exits.
  worker.unref();
  const client = clientOf(address, message.authkey, {
    lobby,
    dial(events) {
      channel = channelEnd({
        post: (bytes) => worker.postMessage({ type: "manager-data", bytes }),
        ref: () => worker.ref(),
        unref: () => worker.unref(),
      }, events);
      return Promise.resolve(channel.socket);
    },
  });
  await client.ready;
  return { worker, address, client };
}
