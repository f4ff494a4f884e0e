/**
 * `Server`: a manager server running in the calling thread, from
 * `BaseManager.getServer()`, like Python's `get_server()`.
 *
 * @module
 */
import type { SocketAddress } from "../_runtime/mod.ts";
import type { ManagerServer } from "./_server.ts";

/**
 * A manager server running in the calling thread, from
 * {@linkcode BaseManager.getServer}.
 *
 * @example Usage
 * ```ts
 * import { BaseManager, SyncManager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const server = new SyncManager({ authkey: "k" }).getServer();
 * const address = await server.listen();
 * const serving = server.serveForever();
 * const client = new SyncManager({ address, authkey: "k" });
 * await client.connect();
 * const dict = await client.dict({ a: 1 });
 * assert.equal(await dict.get("a"), 1);
 * server.shutdown();
 * await serving;
 * await client.shutdown();
 * ```
 */
export class Server {
  #core: ManagerServer;

  /** Wraps a server core; use {@linkcode BaseManager.getServer}. */
  constructor(core: ManagerServer) {
    this.#core = core;
  }

  /** The bound address once listening, else `null`. */
  get address(): SocketAddress | null {
    return this.#core.address;
  }

  /** Starts listening (once); resolves the bound address. */
  listen(): Promise<SocketAddress> {
    return this.#core.listen();
  }

  /** Listens if needed, then resolves once shut down (by a client or here). */
  serveForever(): Promise<void> {
    return this.#core.serveForever();
  }

  /** Stops listening and disconnects every client. */
  shutdown(): void {
    this.#core.shutdown();
  }
}
