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
import { answer, challenge, refused, verify } from "./_auth.ts";
import type { WireError } from "./_session.ts";
import { MessageStream, type TokenHandler, type WireToken } from "./_wire.ts";
import { AuthenticationError, ProcessError, RemoteError } from "../errors.ts";

/** What a proxy tells the encoder about itself. */
export interface ProxyIdentity {
  readonly connection: Connection;
  readonly typeid: string;
  readonly id: number;
}

/** The method by which a proxy identifies itself to the wire encoder. */
export const IDENTITY: unique symbol = Symbol("manager proxy identity");

/** Everything needed to reach one shared object from any thread. */
export interface ProxyToken {
  /** The registered type of the shared object, e.g. `"list"`. */
  readonly typeid: string;
  /** The object's id on its server. */
  readonly id: number;
  /** Where its server listens. */
  readonly address: SocketAddress;
  /** The secret its server checks. */
  readonly authkey: Uint8Array;
}

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

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

function remoteError(error: WireError): RemoteError {
  const cause = new Error(error.message);
  cause.name = error.name;
  cause.stack = error.stack;
  return new RemoteError(`${error.name}: ${error.message}`, { cause });
}

/** A connection from this thread to one manager server. */
export class Connection implements TokenHandler {
  readonly address: SocketAddress;
  readonly authkey: Uint8Array;
  #where: string;
  #serverId = "";
  #socket: Socket | null = null;
  #ready: Promise<void>;
  #stream: MessageStream = new MessageStream(
    this,
    (message) => this.#receive(message),
    (why) =>
      this.#fail(
        new ProcessError(
          `Cannot read reply of manager at ${this.#where}: ${why}`,
        ),
      ),
  );
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #outbox: unknown[][] = [];
  #error: Error | null = null;
  #greetings: unknown[][] = [];
  #greeted: (() => void) | null = null;

  constructor(
    address: SocketAddress,
    authkey: Uint8Array,
    dial: Dial = (events) => runtime.connect(address, events),
  ) {
    this.address = address;
    this.authkey = authkey;
    this.#where = `${address.hostname}:${address.port}`;
    this.#ready = this.#open(dial);
    this.#ready.catch(() => {});
  }

  /** Resolves once the handshake succeeded; rejects if it failed. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /** Sends a request; resolves with the server's reply. */
  request(op: string, ...args: unknown[]): Promise<unknown> {
    if (this.#error !== null) return Promise.reject(this.#error);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) this.#socket?.ref();
      this.#enqueue([id, op, ...args]);
    });
  }

  /** Sends a one-way message (reference counting); no reply comes. */
  notify(op: string, id: number): void {
    if (this.#error === null) this.#enqueue([0, op, id]);
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
    if (proxy.connection !== this) {
      throw new TypeError(
        `Cannot send a proxy of another manager to the manager at ${this.#where}, received a ${proxy.typeid} proxy`,
      );
    }
    return [proxy.typeid, proxy.id, this.#serverId];
  }

  fromToken(token: WireToken): unknown {
    return makeProxy({
      typeid: token[0],
      id: token[1],
      address: this.address,
      authkey: this.authkey,
    });
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
      try {
        this.#stream.send(message);
      } catch (error) {
        this.#settle(message[0] as number, (p) =>
          p.reject(
            new TypeError(
              `Cannot send ${message[1]} request to the manager: ${
                (error as Error).message
              }`,
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
      const socket = await dial({
        data: (bytes) => this.#stream.receive(bytes),
        close: () => this.close(),
      });
      this.#socket = socket;
      this.#stream.attach(socket);
      socket.ref(); // until the handshake is done
      const [, question] = await this.#greeting("challenge");
      const mine = challenge();
      this.#stream.send([
        "answer",
        await answer(this.authkey, question as Uint8Array),
        mine,
      ]);
      const [kind, digest, serverId] = await this.#greeting("welcome");
      if (kind !== "welcome" || !await verify(this.authkey, mine, digest)) {
        throw new AuthenticationError(
          `Cannot connect to manager at ${this.#where}: the server did not prove it knows the authkey`,
        );
      }
      this.#serverId = serverId as string;
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

  async #greeting(expected: string): Promise<unknown[]> {
    while (this.#greetings.length === 0) {
      if (this.#error !== null) throw this.#error;
      await new Promise<void>((resolve) => this.#greeted = resolve);
    }
    const message = this.#greetings.shift()!;
    if (message[0] === "refused") throw refused(this.#where);
    if (message[0] !== expected) {
      throw new ProcessError(
        `Cannot connect to manager at ${this.#where}: unexpected handshake message`,
      );
    }
    return message;
  }

  #receive(message: unknown[]): void {
    if (this.#serverId === "") {
      this.#greetings.push(message);
      return this.#greeted?.();
    }
    const [id, status, value] = message;
    this.#settle(
      id as number,
      (p) =>
        status === 0
          ? p.resolve(value)
          : p.reject(remoteError(value as WireError)),
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
    connections.delete(keyOf(this.address, this.authkey));
    this.#socket?.close();
    this.#greeted?.();
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

const connections = new Map<string, Connection>();

function keyOf(address: SocketAddress, authkey: Uint8Array): string {
  return `${address.hostname}:${address.port}:${authkey.join(",")}`;
}

/**
 * This thread's connection to the server at `address`, opened on first use
 * with `dial` (TCP by default).
 */
export function connectionTo(
  address: SocketAddress,
  authkey: Uint8Array,
  dial?: Dial,
): Connection {
  const key = keyOf(address, authkey);
  let connection = connections.get(key);
  if (connection === undefined) {
    connection = new Connection(address, authkey, dial);
    connections.set(key, connection);
  }
  return connection;
}
