// TCP and Unix sockets on `node:net`, which Deno, Bun and Node all implement
// alike; loaded on the first listen or connect.
import type { Socket as NetSocket } from "node:net";
import { builtin } from "./_builtin.ts";
import type {
  AnyAddress,
  Listener,
  ListenOptions,
  Socket,
  SocketAddress,
  SocketEvents,
  UnixSocketAddress,
} from "./types.ts";

const net = () => builtin<typeof import("node:net")>("node:net");

function remoteOf(socket: NetSocket): SocketAddress | undefined {
  const { remoteAddress, remotePort } = socket;
  return typeof remoteAddress === "string" && typeof remotePort === "number"
    ? { hostname: remoteAddress, port: remotePort }
    : undefined;
}

function wrap(socket: NetSocket, events: SocketEvents): Socket {
  // Unix sockets have no Nagle delay to turn off (Bun throws on them).
  if (socket.remotePort !== undefined) socket.setNoDelay(true);
  socket.on("data", (chunk: Uint8Array) => events.data(chunk));
  // An `error` is always followed by `close`, which is what callers see.
  socket.on("error", () => {});
  socket.on("close", () => events.close());
  return {
    write(bytes) {
      if (!socket.destroyed) socket.write(bytes);
    },
    close() {
      socket.destroy();
    },
    end() {
      socket.end();
      // A peer that never closes its side is dropped in the end.
      setTimeout(() => socket.destroy(), 5_000).unref?.();
    },
    unref() {
      socket.unref();
    },
    ref() {
      socket.ref();
    },
    get pending() {
      return socket.writableLength;
    },
    pause() {
      socket.pause();
    },
    resume() {
      socket.resume();
    },
    remote: remoteOf(socket),
  };
}

function isUnix(address: AnyAddress): address is UnixSocketAddress {
  return "path" in address;
}

/** Listens on `address`; each accepted connection gets `accept`'s callbacks. */
export function listen<A extends AnyAddress>(
  address: A,
  accept: (socket: Socket) => SocketEvents,
  options?: ListenOptions,
): Promise<Listener<A>> {
  return new Promise((resolve, reject) => {
    const server = net().createServer((socket) => {
      const events: SocketEvents = { data() {}, close() {} };
      const wrapped = wrap(socket, {
        data: (bytes) => events.data(bytes),
        close: () => events.close(),
      });
      Object.assign(events, accept(wrapped));
    });
    server.once("error", reject);
    const listening = () => {
      server.off("error", reject);
      const bound = server.address();
      const actual = isUnix(address) ? address : {
        hostname: tcp.hostname,
        port: typeof bound === "object" && bound !== null
          ? bound.port
          : tcp.port,
      };
      resolve({
        address: actual as A,
        close() {
          server.close();
        },
        unref() {
          server.unref();
        },
        ref() {
          server.ref();
        },
      });
    };
    const tcp = address as SocketAddress;
    // An options object: Bun never calls back for `listen(port, host,
    // undefined, callback)`.
    server.listen(
      isUnix(address)
        ? { path: address.path, backlog: options?.backlog }
        : { port: tcp.port, host: tcp.hostname, backlog: options?.backlog },
      listening,
    );
  });
}

/** Connects to `address`; rejects with the runtime's error if it cannot. */
export function connect(
  address: AnyAddress,
  events: SocketEvents,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const tcp = address as SocketAddress;
    const socket = isUnix(address)
      ? net().createConnection(address.path)
      : net().createConnection(tcp.port, tcp.hostname);
    function fail(error: Error): void {
      reject(error);
    }
    socket.once("error", fail);
    socket.once("connect", () => {
      socket.off("error", fail);
      resolve(wrap(socket, events));
    });
  });
}
