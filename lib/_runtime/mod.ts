/**
 * The one place that knows which runtime is running. Every other file asks
 * {@linkcode runtime} and never touches `Deno`, `Bun`, `process` or a worker
 * constructor itself.
 *
 * @module
 */

import { create as createBun } from "./bun.ts";
import { create as createDeno } from "./deno.ts";
import { create as createNode } from "./node.ts";

export type * from "./types.ts";
import type {
  Adapter,
  AnyAddress,
  Listener,
  ListenOptions,
  Runtime,
  RuntimeName,
  Socket,
  SocketEvents,
} from "./types.ts";

function detect(): RuntimeName {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}

// Chosen synchronously: no top-level await anywhere in a worker's module
// graph, so a worker listens for messages as soon as its module has run.
const adapters: Record<RuntimeName, () => Adapter> = {
  deno: createDeno,
  bun: createBun,
  node: createNode,
};

// Sockets are `node:net` on every runtime. `_net.ts` is loaded on the first
// listen or connect: a pool worker never opens a socket, and each module in a
// worker's start-up graph costs it time (on Node 24, ~0.5 ms of CPU apiece).
const net = () => import("./_net.ts");

/** The running runtime's adapter, chosen once at load. */
export const runtime: Runtime = {
  ...adapters[detect()](),
  async listen<A extends AnyAddress>(
    address: A,
    accept: (socket: Socket) => SocketEvents,
    options?: ListenOptions,
  ): Promise<Listener<A>> {
    return await (await net()).listen(address, accept, options);
  },
  async connect(address: AnyAddress, events: SocketEvents): Promise<Socket> {
    return await (await net()).connect(address, events);
  },
};
