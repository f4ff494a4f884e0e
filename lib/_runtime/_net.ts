// TCP sockets on `node:net`, which Deno, Bun and Node all implement alike;
// loaded on the first listen or connect.
import type { Socket as NetSocket } from "node:net";
import { builtin } from "./_builtin.ts";
import type { Listener, Socket, SocketAddress, SocketEvents } from "./types.ts";

const net = () => builtin<typeof import("node:net")>("node:net");

function wrap(socket: NetSocket, events: SocketEvents): Socket {
  socket.setNoDelay(true);
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
    unref() {
      socket.unref();
    },
    ref() {
      socket.ref();
    },
  };
}

/** Listens on `address`; each accepted connection gets `accept`'s callbacks. */
export function listen(
  address: SocketAddress,
  accept: (socket: Socket) => SocketEvents,
): Promise<Listener> {
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
    server.listen(address.port, address.hostname, () => {
      server.off("error", reject);
      const bound = server.address();
      const port = typeof bound === "object" && bound !== null
        ? bound.port
        : address.port;
      resolve({
        address: { hostname: address.hostname, port },
        close() {
          server.close();
        },
        unref() {
          server.unref();
        },
      });
    });
  });
}

/** Connects to `address`; rejects with the runtime's error if it cannot. */
export function connect(
  address: SocketAddress,
  events: SocketEvents,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net().createConnection(address.port, address.hostname);
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
