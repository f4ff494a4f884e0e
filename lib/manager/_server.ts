// The one manager server core, shared by `Manager()` (served from a worker)
// and `getServer().serveForever()` (served from the calling thread). It owns
// the shared objects, counts references per client session, and answers
// requests over TCP after an HMAC handshake. A client that breaks the
// protocol (bad frame, oversized frame, malformed message) is disconnected;
// everyone else goes on.
import {
  type Listener,
  runtime,
  type Socket,
  type SocketAddress,
  type SocketEvents,
} from "../_runtime/mod.ts";

import { ServerRef, Session } from "./_session.ts";
import type { WireToken } from "./_wire.ts";
import { describe } from "../_core/validate.ts";

/**
 * Builds a shared object from the arguments of a create request; `resolve`
 * turns a proxy among them into the object it refers to on this server.
 */
export type Factory = (
  args: unknown[],
  resolve: (value: unknown) => unknown,
) => object;

/** What a server needs to run. */
export interface ServerConfig {
  readonly address: SocketAddress;
  readonly authkey: Uint8Array;
  readonly factories: ReadonlyMap<string, Factory>;
}

interface Entry {
  readonly typeid: string;
  readonly value: object;
  refs: number;
}

let calling: object | null = null;

/**
 * The session whose call is running (valid in the synchronous part of a
 * method): owner-aware objects such as RLock tell their holders apart by it.
 */
export function currentCaller(): object {
  return calling ?? {};
}

const FORBIDDEN = new Set(Object.getOwnPropertyNames(Object.prototype));

function publicMethod(
  value: object,
  typeid: string,
  method: unknown,
): (...args: unknown[]) => unknown {
  if (
    typeof method !== "string" || method.startsWith("_") ||
    FORBIDDEN.has(method)
  ) {
    throw new TypeError(
      `Cannot call method of ${typeid}: not a public method, received ${
        describe(method)
      }`,
    );
  }
  const fn = (value as Record<string, unknown>)[method];
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot call method of ${typeid}: no such method, received ${
        describe(method)
      }`,
    );
  }
  return fn as (...args: unknown[]) => unknown;
}

/** A manager server: the objects, the listener and the client sessions. */
export class ManagerServer {
  /** Distinguishes this server's proxies from other servers'. */
  readonly id: string = crypto.randomUUID();
  #config: ServerConfig;
  #objects = new Map<number, Entry>();
  #loans = new Map<number, number>();
  #nextId = 1;
  #listening: Promise<Listener> | null = null;
  #listener: Listener | null = null;
  #sessions = new Set<Session>();
  #done: Promise<void>;
  #finish!: () => void;
  #stopped = false;
  #refs = new FinalizationRegistry<number>((id) => this.#release(id, 1));

  constructor(config: ServerConfig) {
    this.#config = config;
    this.#done = new Promise((resolve) => this.#finish = resolve);
  }

  /** Where it listens, once listening. */
  get address(): SocketAddress | null {
    return this.#listener?.address ?? null;
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<SocketAddress> {
    this.#listening ??= runtime.listen(
      this.#config.address,
      (socket) => new Session(this, socket).events,
    );
    this.#listener = await this.#listening;
    return this.#listener.address;
  }

  /** Serves a client over a byte stream other than TCP (a worker's channel). */
  attach(socket: Socket): SocketEvents {
    return new Session(this, socket).events;
  }

  /** Listens if needed and resolves once a client asks for shutdown. */
  async serveForever(): Promise<void> {
    await this.listen();
    return this.#done;
  }

  /** Stops listening and drops every session. */
  shutdown(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#listener?.close();
    for (const session of this.#sessions) session.kill();
    this.#finish();
  }

  /** @internal */
  get authkey(): Uint8Array {
    return this.#config.authkey;
  }

  /** @internal */
  opened(session: Session): void {
    if (this.#stopped) session.kill();
    else this.#sessions.add(session);
  }

  /** @internal A session ended: drop the references it held. */
  closed(session: Session): void {
    this.#sessions.delete(session);
    for (const [id, count] of session.refs) this.#release(id, count);
    session.refs.clear();
  }

  /** @internal A token arrived inside a request: hold its object. */
  adopt(token: WireToken): ServerRef {
    const [typeid, id] = token;
    const ref = new ServerRef(typeid, id);
    const entry = this.#objects.get(id);
    if (entry !== undefined && token[2] === this.id) {
      entry.refs++;
      this.#refs.register(ref, id);
    }
    return ref;
  }

  /**
   * @internal Runs one request; returns the reply value or a promise of it.
   * Throws `TypeError` for a well-formed request that cannot be served.
   */
  handle(session: Session, op: string, message: unknown[]): unknown {
    switch (op) {
      case "call":
        return this.#call(session, message[2], message[3], message[4]);
      case "create":
        return this.#create(message[2], message[3]);
      case "incref":
        return this.#incref(session, message[2]);
      case "decref": {
        const id = message[2] as number;
        const held = session.refs.get(id) ?? 0;
        if (held === 0) return;
        if (held === 1) session.refs.delete(id);
        else session.refs.set(id, held - 1);
        return this.#release(id, 1);
      }
      case "lend": {
        const id = message[2] as number;
        const entry = this.#objects.get(id);
        if (entry === undefined) return;
        entry.refs++;
        this.#loans.set(id, (this.#loans.get(id) ?? 0) + 1);
        return;
      }
      case "unlend": {
        const id = message[2] as number;
        const loans = this.#loans.get(id) ?? 0;
        if (loans === 0) return;
        if (loans === 1) this.#loans.delete(id);
        else this.#loans.set(id, loans - 1);
        return this.#release(id, 1);
      }
      case "shutdown":
        // After the reply is flushed (flushes are microtasks).
        setTimeout(() => this.shutdown(), 0);
        return;
      default:
        throw new SyntaxError(`unknown operation ${describe(op)}`);
    }
  }

  #incref(session: Session, id: unknown): void {
    const entry = this.#objects.get(id as number);
    if (entry === undefined) return;
    entry.refs++;
    session.refs.set(id as number, (session.refs.get(id as number) ?? 0) + 1);
  }

  #release(id: number, count: number): void {
    const entry = this.#objects.get(id);
    if (entry === undefined) return;
    entry.refs -= count;
    if (entry.refs <= 0) this.#objects.delete(id);
  }

  #create(typeid: unknown, args: unknown): ServerRef {
    const factory = typeof typeid === "string"
      ? this.#config.factories.get(typeid)
      : undefined;
    if (factory === undefined) {
      throw new TypeError(
        `Cannot create shared object: unknown typeid (known: ${
          [...this.#config.factories.keys()].join(", ")
        }), received ${describe(typeid)}`,
      );
    }
    const value = factory(
      globalThis.Array.isArray(args) ? args : [],
      (arg) =>
        arg instanceof ServerRef ? this.#objects.get(arg.id)?.value : arg,
    );
    const id = this.#nextId++;
    this.#objects.set(id, { typeid: typeid as string, value, refs: 0 });
    return new ServerRef(typeid as string, id);
  }

  #call(
    session: Session,
    id: unknown,
    method: unknown,
    args: unknown,
  ): unknown {
    const entry = this.#objects.get(id as number);
    if (entry === undefined) {
      throw new ReferenceError(
        `Cannot call method ${
          describe(method)
        }: no shared object with id ${id} (it was released)`,
      );
    }
    const fn = publicMethod(entry.value, entry.typeid, method);
    calling = session;
    try {
      return fn.apply(
        entry.value,
        globalThis.Array.isArray(args) ? args : [],
      );
    } finally {
      calling = null;
    }
  }
}
