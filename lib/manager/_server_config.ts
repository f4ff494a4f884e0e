// What a manager server needs to run, its default limits, and how it
// starts listening.
import {
  type Listener,
  runtime,
  type Socket,
  type SocketAddress,
  type SocketEvents,
} from "../_runtime/mod.ts";
import type { Factory } from "./_served/objects.ts";
import type { SessionLimits } from "./_session.ts";

/** What a server needs to run. */
export interface ServerConfig {
  readonly address: SocketAddress;
  readonly authkey: Uint8Array;
  /**
   * How each typeid is built; `null` for a typeid served only as what a
   * method returns (`methodToTypeid`), which is then served as it is.
   */
  readonly factories: ReadonlyMap<string, Factory | null>;
  /** The methods a proxy may call, by typeid (else the public ones). */
  readonly exposed?: ReadonlyMap<string, readonly string[]>;
  /**
   * By typeid: the methods whose result is served as a new object of the
   * given typeid, the caller getting its proxy (Python's method_to_typeid).
   */
  readonly methodToTypeid?: ReadonlyMap<
    string,
    Readonly<Record<string, string>>
  >;
  /** Send server-side stacks to every client, not only in-process ones. */
  readonly debug?: boolean;
  /** Most connections at once. @default 512 */
  readonly maxConnections?: number;
  /** Most connections still in their handshake. @default 64 */
  readonly maxHandshakes?: number;
  /** Most bytes held in partial frames, all connections together. */
  readonly partialBytes?: number;
  readonly limits?: Partial<SessionLimits>;
}

export const DEFAULT_LIMITS: SessionLimits = {
  handshakeTimeout: 3_000,
  refusalDelay: 250,
  highWater: 8 * 1024 * 1024,
  stallTimeout: 10_000,
};

/**
 * By typeid: the methods whose result is served as a new object of the
 * given typeid (Python's method_to_typeid).
 *
 * @throws {TypeError} If one names a typeid no one registered.
 */
export function resultTypesOf(
  config: ServerConfig,
): Map<string, ReadonlyMap<string, string>> {
  const types = new Map<string, ReadonlyMap<string, string>>();
  for (const [typeid, methods] of config.methodToTypeid ?? []) {
    const targets = new Map(Object.entries(methods));
    for (const [method, target] of targets) {
      if (!config.factories.has(target)) {
        throw new TypeError(
          `Cannot serve ${typeid}: methodToTypeid maps ${method}() to a typeid no one registered, received "${target}"`,
        );
      }
    }
    types.set(typeid, targets);
  }
  return types;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
let warned = false;

/**
 * Listens at `address`; warns once per thread when it is not a loopback
 * address (anyone who reaches it may try to guess the authkey).
 */
export function listenAt(
  address: SocketAddress,
  accept: (socket: Socket) => SocketEvents,
): Promise<Listener> {
  const listening = runtime.listen(address, accept);
  if (!LOOPBACK.test(address.hostname) && !warned) {
    warned = true;
    console.warn(
      `Warning: a manager listens on ${address.hostname}, not a loopback address: anyone who can reach it may try to guess its authkey; use a long random authkey and TLS (see the README, "Remote managers")`,
    );
  }
  return listening;
}
