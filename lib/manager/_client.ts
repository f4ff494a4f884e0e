// The client side of a manager connection: one per server per thread,
// shared by every proxy of that thread. Calls made in the same tick go out
// in one socket write, and replies come back the same way, so concurrent
// calls pipeline instead of paying one round trip each.
import {
  runtime,
  type Socket,
  type SocketAddress,
  type SocketEvents,
} from "../_runtime/mod.ts";
import { clientHandshake } from "../connection/_handshake.ts";
import {
  CALL,
  CREATE,
  DECREF,
  INCREF,
  LEND,
  OK,
  type Operation,
  PROTOCOL_VERSION,
  serverError,
  SHUTDOWN,
  STATS,
  UNLEND,
} from "./_protocol.ts";
import { MessageStream } from "../connection/_stream.ts";
import type { TokenHandler, WireToken } from "../connection/_wire.ts";
import type { ProxyToken } from "./proxy_token.ts";
import { isLobby, lobbyId, slotNonce } from "./_lobby.ts";
import { clientSlot } from "./_slot_socket.ts";
import { AuthenticationError, ProcessError } from "../errors.ts";

/** What a proxy tells the encoder about itself. */
export interface ProxyIdentity {
  readonly client: ManagerClient;
  readonly typeid: string;
  readonly id: number;
}

/** The method by which a proxy identifies itself to the wire encoder. */
export const IDENTITY: unique symbol = Symbol("manager proxy identity");

/** Builds the proxy for a token. */
export type ProxyMaker = (token: ProxyToken) => unknown;

/** The proxy class of each typeid; proxy files register theirs at load. */
export const proxyMakers: Map<string, ProxyMaker> = new Map();

/** The proxy for `token`: its typeid's class, else the generic proxy. */
export function makeProxy(token: ProxyToken): unknown {
  return (proxyMakers.get(token.typeid) ?? proxyMakers.get("")!)(token);
}

/** Opens the byte stream a connection runs on; TCP unless told otherwise. */
export type Dial = (events: SocketEvents) => Promise<Socket>;

/** Builds the argument list without trailing `undefined`s (defaults). */
export function withDefaults(...args: unknown[]): unknown[] {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  return args.slice(0, n);
}

const OP_NAMES: Record<Operation, string> = {
  [CALL]: "call",
  [CREATE]: "create",
  [INCREF]: "incref",
  [DECREF]: "decref",
  [LEND]: "lend",
  [UNLEND]: "unlend",
  [SHUTDOWN]: "shutdown",
  [STATS]: "stats",
};

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Options of a {@linkcode ManagerClient}. */
export interface ClientOptions {
  /** Opens the byte stream; TCP by default. */
  dial?: Dial;
  /** Proves this client runs in the server's OS process. */
  localKey?: Uint8Array;
  /** The server's shared memory, for a client in its OS process. */
  lobby?: SharedArrayBuffer;
}

/** A connection from this thread to one manager server. */
export class ManagerClient implements TokenHandler {
  readonly address: SocketAddress;
  readonly authkey: Uint8Array;
  /** Set once the server has recognised this client as in-process. */
  localKey: Uint8Array | undefined;
  /**
   * The server's shared memory, once this client talks to it through a
   * slot there (see `_lobby.ts`); proxies pass it on to other threads.
   */
  lobby: SharedArrayBuffer | undefined;
  #offered: SharedArrayBuffer | undefined;
  /**
   * Proxy classes by typeid for this server (register's `proxytype` on a
   * manager of this thread), before the ones every server shares.
   */
  readonly proxyTypes: Map<string, ProxyMaker> = new Map();
  #where: string;
  #serverId = "";
  #socket: Socket | null = null;
  #ready: Promise<void>;
  #stream: MessageStream = new MessageStream(this, {
    message: (message) => this.#receive(message),
    broken: (why) =>
      this.#fail(
        new ProcessError(
          `Cannot read reply of manager at ${this.#where}: ${why}`,
        ),
      ),
  });
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #outbox: unknown[][] = [];
  #error: Error | null = null;
  #greetings: unknown[][] = [];
  #greeted: (() => void) | null = null;

  constructor(
    address: SocketAddress,
    authkey: Uint8Array,
    options: ClientOptions = {},
  ) {
    this.address = address;
    this.authkey = authkey;
    this.localKey = options.localKey;
    if (isLobby(options.lobby)) this.#offered = options.lobby;
    this.#where = `${address.hostname}:${address.port}`;
    const dial = options.dial ?? ((events) => runtime.connect(address, events));
    this.#ready = this.#open(dial);
    this.#ready.catch(() => {});
  }

  /** Resolves once the handshake succeeded; rejects if it failed. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /** Sends a request; resolves with the server's reply. */
  request(op: Operation, ...args: unknown[]): Promise<unknown> {
    if (this.#error !== null) return Promise.reject(this.#error);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) this.#socket?.ref();
      this.#enqueue([id, op, ...args]);
    });
  }

  /** Sends a one-way message (reference counting); no reply comes. */
  notify(op: Operation, ...args: unknown[]): void {
    if (this.#error === null) this.#enqueue([0, op, ...args]);
  }

  /**
   * Holds object `id` for a proxy on its way to another thread; returns
   * the key the other side passes to {@linkcode ManagerClient.unlend}.
   */
  lend(id: number): string {
    const key = crypto.randomUUID();
    this.notify(LEND, id, key);
    return key;
  }

  /** The proxy lent under `key` has attached here. */
  unlend(key: string): void {
    this.notify(UNLEND, key);
  }

  /** The proxy of object `id`, adopting the reference the server gave us. */
  adopt(typeid: string, id: number): unknown {
    const token: AdoptedToken = {
      typeid,
      id,
      address: this.address,
      authkey: this.authkey,
      [HELD_BY]: this,
    };
    return (this.proxyTypes.get(typeid) ?? makeProxy)(token);
  }

  /** Closes the connection; pending calls reject. */
  close(): void {
    this.#fail(
      new ProcessError(
        `Cannot reach manager at ${this.#where}: connection closed`,
      ),
    );
  }

  toToken(value: unknown): WireToken | null {
    if (typeof value !== "object" || value === null || !(IDENTITY in value)) {
      return null;
    }
    const proxy = (value as { [IDENTITY](): ProxyIdentity })[IDENTITY]();
    if (proxy.client !== this) {
      throw new TypeError(
        `Cannot send a proxy of another manager to the manager at ${this.#where}, received a ${proxy.typeid} proxy`,
      );
    }
    return [proxy.typeid, proxy.id, this.#serverId];
  }

  fromToken(token: WireToken): unknown {
    return this.adopt(token[0], token[1]);
  }

  #enqueue(message: unknown[]): void {
    this.#outbox.push(message);
    if (this.#outbox.length === 1 && this.#serverId !== "") {
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    if (this.#outbox.length === 0 || this.#error !== null) return;
    if (this.#serverId === "") return; // the handshake flushes when done
    for (const message of this.#outbox) {
      const what = `${OP_NAMES[message[1] as Operation]} request`;
      try {
        this.#stream.send(message, what);
      } catch (error) {
        this.#settle(message[0] as number, (p) =>
          p.reject(
            error instanceof RangeError ? error : new TypeError(
              `Cannot send ${what} to the manager: ${(error as Error).message}`,
              { cause: error },
            ),
          ));
      }
    }
    this.#outbox = [];
    this.#stream.flush();
  }

  async #open(dial: Dial): Promise<void> {
    try {
      const events = {
        data: (bytes: Uint8Array) => this.#stream.receive(bytes),
        close: () => this.close(),
      };
      const socket = await dial(events);
      this.#socket = socket;
      this.#stream.attach(socket);
      socket.ref(); // until the handshake is done
      const where = this.#where;
      const lobby = this.#offered;
      const extra = [this.localKey ?? null, lobby && lobbyId(lobby)];
      const [, , serverId, localKey, slot, nonce] = await clientHandshake({
        authkey: this.authkey,
        version: PROTOCOL_VERSION,
        extra,
        next: () => this.#greeting(),
        send: (message) => this.#stream.send(message, "handshake"),
        versionError: (theirs) => this.#versionError(theirs),
        error: (why, auth) =>
          new (auth ? AuthenticationError : ProcessError)(
            `Cannot connect to manager at ${where}: ${why}`,
          ),
      });
      if (localKey instanceof Uint8Array) this.localKey = localKey;
      this.#serverId = String(serverId);
      if (lobby && slotNonce(lobby, slot) === nonce && !this.#error) {
        // The lobby is shared memory with the server: use the slot.
        this.lobby = lobby;
        this.#socket = clientSlot(socket, lobby, slot as number, events);
        this.#stream.attach(this.#socket);
      }
    } catch (error) {
      this.#fail(
        error instanceof ProcessError ? error : new ProcessError(
          `Cannot connect to manager at ${this.#where}: ${
            (error as Error).message
          }`,
          { cause: error },
        ),
      );
      throw this.#error;
    }
    if (this.#pending.size === 0) this.#socket.unref();
    this.#flush();
  }

  #versionError(version: unknown): ProcessError {
    if (typeof version === "string") {
      return new ProcessError(
        `Cannot connect to manager at ${this.#where}: it is a Listener (${version}), not a manager server`,
      );
    }
    return new ProcessError(
      `Cannot connect to manager at ${this.#where}: it speaks manager protocol version ${
        typeof version === "number" ? version : 1
      }, this client version ${PROTOCOL_VERSION} (the two sides run different versions of @seed/multiprocessing)`,
    );
  }

  async #greeting(): Promise<unknown[]> {
    while (this.#greetings.length === 0) {
      if (this.#error !== null) throw this.#error;
      await new Promise<void>((resolve) => this.#greeted = resolve);
    }
    return this.#greetings.shift()!;
  }

  #receive(message: unknown[]): void {
    if (this.#serverId === "") {
      this.#greetings.push(message);
      return this.#greeted?.();
    }
    const [id, status, value] = message;
    this.#settle(
      id as number,
      (p) => status === OK ? p.resolve(value) : p.reject(serverError(value)),
    );
  }

  #settle(id: number, how: (pending: Pending) => void): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#socket?.unref();
    how(pending);
  }

  #fail(error: Error): void {
    if (this.#error !== null) return;
    this.#error = error;
    const key = keyOf(this.address, this.authkey);
    if (clients.get(key) === this) clients.delete(key);
    this.#stream.close();
    this.#socket?.close();
    this.#greeted?.();
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

const clients = new Map<string, ManagerClient>();
/**
 * On a token built from a reply: the client that already holds the
 * reference the server counted for it. The token carries it to the proxy's
 * constructor (through any registered proxy type), which takes it once.
 */
const HELD_BY = Symbol("heldBy");

interface AdoptedToken extends ProxyToken {
  [HELD_BY]?: ManagerClient;
}

/**
 * The client a new proxy of `token` uses; the proxy holds one reference:
 * the one a reply just gave its client, or one asked for now.
 */
export function attachProxy(token: ProxyToken): ManagerClient {
  const held = (token as AdoptedToken)[HELD_BY];
  if (held !== undefined) {
    delete (token as AdoptedToken)[HELD_BY];
    return held;
  }
  const client = clientOf(token.address, token.authkey);
  client.notify(INCREF, token.id);
  return client;
}

function keyOf(address: SocketAddress, authkey: Uint8Array): string {
  return `${address.hostname}:${address.port}:${authkey.join(",")}`;
}

/**
 * This thread's connection to the server at `address`, opened on first use
 * (TCP unless `options.dial` says otherwise).
 */
export function clientOf(
  address: SocketAddress,
  authkey: Uint8Array,
  options?: ClientOptions,
): ManagerClient {
  const key = keyOf(address, authkey);
  let client = clients.get(key);
  if (client === undefined) {
    client = new ManagerClient(address, authkey, options);
    clients.set(key, client);
  }
  return client;
}
