/**
 * `Listener()`: accepts authenticated connections over TCP or a Unix
 * socket, like Python's `multiprocessing.connection.Listener`.
 *
 * @module
 */
import {
  type AnyAddress,
  type Listener as Bound,
  runtime,
  type Socket,
  type SocketEvents,
} from "../_runtime/mod.ts";
import { Adopted, adoptedOnly } from "../_core/shared.ts";
import { optionsObject, positiveInteger } from "../_core/validate.ts";
import { AuthenticationError, ProcessError } from "../errors.ts";
import type {
  ConnectionAddress,
  SocketAddress,
  UnixSocketAddress,
} from "../socket_address.ts";
export type {
  ConnectionAddress,
  UnixSocketAddress,
} from "../socket_address.ts";
import { challenge } from "./_auth.ts";
import type { PartialBudget } from "./_frames.ts";
import {
  challengeMessage,
  checkAnswer,
  type Refused,
  welcomeMessage,
} from "./_handshake.ts";
import {
  checkAddress,
  checkAuthkey,
  checkHandshakeTimeout,
  whereOf,
} from "./_options.ts";
import { CONNECTION_VERSION, Peer } from "./_peer.ts";
import { SocketConnection } from "./socket_connection.ts";

/** Options of {@linkcode Listener}. */
export interface ListenerOptions {
  /**
   * Where to listen: `{ hostname, port }` (port 0: any free port), or a
   * Unix socket's path (`{ path }` or a string).
   * @default { hostname: "127.0.0.1", port: 0 }
   */
  address?: ConnectionAddress;
  /**
   * The key clients must prove they know (HMAC-SHA256 challenge, both
   * ways). @default currentProcess().authkey
   */
  authkey?: string | Uint8Array;
  /** The operating system's queue of connections not yet accepted. */
  backlog?: number;
  /** Milliseconds a client has to complete the handshake. @default 3000 */
  handshakeTimeout?: number;
}

const KNOWN = ["address", "authkey", "backlog", "handshakeTimeout"] as const;
/** Most connections in their handshake; a new one drops the oldest. */
const MAX_HANDSHAKES = 64;
/** Most refused handshakes kept for `acceptAsync()` to report. */
const MAX_REPORTS = 16;
/** Milliseconds a wrong digest waits for its refusal (slows guessing). */
const REFUSAL_DELAY = 250;

/** A connection ready to be accepted, and where it came from. */
interface Accepted {
  readonly connection: SocketConnection;
  readonly remote: SocketAddress | null;
}

/** What a `SocketListener` is built with. */
interface Setup {
  readonly authkey: Uint8Array;
  readonly timeout: number;
  readonly bound: Bound<AnyAddress>;
}
/** Hands an accepted socket to its listener. */
let acceptOn: (listener: SocketListener, socket: Socket) => SocketEvents;

/**
 * A listening socket that accepts connections from {@linkcode Client}s
 * that know its authkey; made by {@linkcode Listener}. A client that sends
 * garbage, too large a frame, or nothing within the handshake time limit
 * is dropped; one whose digest is wrong makes the next `acceptAsync()`
 * reject with `AuthenticationError`, as Python's `accept()` raises. Idle,
 * it does not keep the program alive; an `acceptAsync()` waiting does.
 *
 * @example Usage
 * ```ts
 * import { Client, Listener } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using listener = await Listener({ authkey: "secret" });
 * const client = Client(listener.address, { authkey: "secret" });
 * await using server = await listener.acceptAsync();
 * await using conn = await client;
 * server.sendBytes(new Uint8Array([1, 2, 3]));
 * assert.deepEqual(await conn.recvBytesAsync(), new Uint8Array([1, 2, 3]));
 * assert.equal(listener.lastAccepted?.hostname, "127.0.0.1");
 * ```
 */
export class SocketListener {
  #bound: Bound<AnyAddress>;
  #authkey: Uint8Array;
  #timeout: number;
  #budget: PartialBudget = { held: 0, limit: 256 * 1024 * 1024 };
  #handshaking = new Set<Peer>();
  /** Authenticated connections (with the client's address), and refusals. */
  #ready: (Accepted | AuthenticationError)[] = [];
  #waiters = new Set<() => void>();
  #lastAccepted: SocketAddress | null = null;
  #closed = false;

  /**
   * Listeners come from {@linkcode Listener}; this constructor is not
   * public.
   *
   * @throws {TypeError} If called directly.
   */
  constructor();
  /** @ignore The bound socket and the checked options. */
  constructor(setup: Adopted<Setup>);
  constructor(setup?: Adopted<Setup>) {
    ({
      authkey: this.#authkey,
      timeout: this.#timeout,
      bound: this.#bound,
    } = adoptedOnly(setup, "SocketListener", "Listener()"));
    this.#bound.unref();
  }

  static {
    acceptOn = (listener, socket) => listener.#accept(socket);
  }

  /** Where it listens (the real port when 0 was asked for). */
  get address(): SocketAddress | UnixSocketAddress {
    return this.#bound.address;
  }

  /** The address of the last accepted client, `null` before (or over a Unix socket). */
  get lastAccepted(): SocketAddress | null {
    return this.#lastAccepted;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves with the next authenticated connection, in the order their
   * handshakes completed.
   *
   * @returns A promise of the connection.
   * @throws {AuthenticationError} If a client's digest was wrong (its
   * connection is dropped; call `acceptAsync()` again for the next).
   * @throws {ProcessError} If the listener is closed, or closes meanwhile.
   */
  async acceptAsync(): Promise<SocketConnection> {
    while (this.#ready.length === 0) {
      this.#check();
      await this.#changed();
    }
    return this.accept();
  }

  /**
   * Returns a connection whose handshake has already completed; never
   * blocks (the handshakes run on this thread's event loop).
   *
   * @returns The connection.
   * @throws {ProcessError} If none is ready, or the listener is closed.
   * @throws {AuthenticationError} If a client's digest was wrong.
   */
  accept(): SocketConnection {
    this.#check();
    const next = this.#ready.shift();
    if (next === undefined) {
      throw new ProcessError(
        "Cannot accept on Listener synchronously: no client has connected yet, and this thread's event loop, which accepts them, cannot run while it blocks; use acceptAsync()",
      );
    }
    if (next instanceof AuthenticationError) throw next;
    this.#lastAccepted = next.remote;
    return next.connection;
  }

  /**
   * Stops listening (a Unix socket's file is removed) and drops clients
   * not yet accepted; accepted connections stay open. Pending
   * `acceptAsync()` calls reject. Closing twice is harmless.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#bound.close();
    for (const peer of this.#handshaking) peer.kill();
    for (const next of this.#ready.splice(0)) {
      if (!(next instanceof AuthenticationError)) next.connection.close();
    }
    this.#wake();
  }

  /** Closes the listener at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes the listener at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #check(): void {
    if (this.#closed) {
      throw new ProcessError("Cannot accept on Listener: it is closed");
    }
  }

  #changed(): Promise<void> {
    if (this.#waiters.size === 0) this.#bound.ref();
    return new Promise((resolve) => {
      this.#waiters.add(resolve);
    });
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    if (!this.#closed) this.#bound.unref();
    for (const wake of waiters) wake();
  }

  #deliver(next: Accepted | AuthenticationError): void {
    if (next instanceof AuthenticationError) {
      const reports = this.#ready.filter((r) =>
        r instanceof AuthenticationError
      );
      if (reports.length >= MAX_REPORTS) {
        this.#ready.splice(this.#ready.indexOf(reports[0]), 1);
      }
    }
    this.#ready.push(next);
    this.#wake();
  }

  #accept(socket: Socket): SocketEvents {
    if (this.#closed) {
      socket.close();
      return { data() {}, close() {} };
    }
    if (this.#handshaking.size >= MAX_HANDSHAKES) {
      // The oldest unproven connection makes room: a flood of idle sockets
      // cannot lock real clients out for longer than their handshake.
      this.#handshaking.values().next().value!.kill();
    }
    const where = socket.remote === undefined
      ? whereOf(this.address)
      : whereOf(socket.remote);
    const peer = new Peer(where, "server", this.#budget);
    peer.attach(socket);
    socket.unref();
    this.#handshaking.add(peer);
    const timer = setTimeout(() => peer.kill(), this.#timeout);
    this.#handshake(peer, socket).finally(() => {
      clearTimeout(timer);
      this.#handshaking.delete(peer);
    });
    return peer.events;
  }

  async #handshake(peer: Peer, socket: Socket): Promise<void> {
    const question = challenge();
    peer.stream.send(challengeMessage(question, CONNECTION_VERSION), "");
    let theirs: Uint8Array | Refused;
    try {
      const message = await peer.next();
      theirs = await checkAnswer(
        this.#authkey,
        CONNECTION_VERSION,
        question,
        message,
      );
    } catch {
      return peer.kill(); // it closed, or broke the protocol
    }
    if (peer.ended !== null || this.#closed) return peer.kill();
    if (!(theirs instanceof Uint8Array)) {
      if (theirs[1] === "authkey") {
        this.#deliver(
          new AuthenticationError(
            `Cannot accept connection from ${peer.where}: the client's digest is wrong (wrong authkey)`,
          ),
        );
      }
      const delay = theirs[1] === "authkey" ? REFUSAL_DELAY : 0;
      await new Promise((resolve) => setTimeout(resolve, delay));
      peer.stream.send(theirs, "");
      return peer.end();
    }
    peer.open();
    peer.stream.send(await welcomeMessage(this.#authkey, theirs, [""]), "");
    if (peer.ended !== null) return;
    this.#deliver({
      connection: new SocketConnection(new Adopted(peer)),
      remote: socket.remote ?? null,
    });
  }
}

/**
 * Listens for {@linkcode Client} connections, like Python's
 * `multiprocessing.connection.Listener(address, backlog=…, authkey=…)`.
 * Every client must prove it knows `authkey` (an HMAC-SHA256 challenge,
 * answered both ways, as the managers do); by default it is this
 * process's `currentProcess().authkey`, which every worker inherits —
 * pass one explicitly for clients in other OS processes.
 *
 * @param options Where to listen, the authkey, the backlog.
 * @returns A promise of the listener, once it is bound.
 * @throws {TypeError} If an option is unknown or of the wrong type.
 * @throws {RangeError} If a number is out of range or `authkey` is empty.
 * @throws {Error} The runtime's error if it cannot listen (address in use).
 *
 * @example Usage
 * ```ts
 * import { Client, Listener } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using listener = await Listener({
 *   address: { hostname: "127.0.0.1", port: 0 },
 *   authkey: "secret",
 * });
 * const accepted = listener.acceptAsync();
 * await using conn = await Client(listener.address, { authkey: "secret" });
 * await using server = await accepted;
 * conn.send(["ping", 1]);
 * assert.deepEqual(await server.recvAsync(), ["ping", 1]);
 * ```
 */
export async function Listener(
  options?: ListenerOptions,
): Promise<SocketListener> {
  const what = "create Listener";
  const { address, authkey, backlog, handshakeTimeout } = optionsObject(
    what,
    options,
    KNOWN,
  );
  const at = checkAddress(
    what,
    address ?? { hostname: "127.0.0.1", port: 0 },
    true,
  );
  if (backlog !== undefined) positiveInteger(what, "backlog", backlog);
  const key = checkAuthkey(what, authkey);
  const timeout = checkHandshakeTimeout(what, handshakeTimeout);
  let listener: SocketListener | null = null;
  const bound = await runtime.listen(
    at,
    (socket) => {
      if (listener !== null) return acceptOn(listener, socket);
      socket.close();
      return { data() {}, close() {} };
    },
    { backlog },
  );
  listener = new SocketListener(new Adopted({ authkey: key, timeout, bound }));
  return listener;
}
