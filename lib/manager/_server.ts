// The one manager server core, shared by `Manager()` (served from a worker)
// and `getServer().serveForever()` (served from the calling thread). It owns
// the served objects, counts their references per client connection (an
// object lives while a live connection holds it), and answers requests over
// TCP after an HMAC handshake (then, for clients in its own OS process,
// through shared memory: see _lobby.ts). It is hardened like a network service:
// handshake timeout, caps on connections, bounded buffers, decode budgets.
import type {
  Listener,
  Socket,
  SocketAddress,
  SocketEvents,
} from "../_runtime/mod.ts";
import { describe } from "../_core/validate.ts";
import { getLogger } from "../logging.ts";
import { exposedMethod } from "./_exposed.ts";
import type { PartialBudget } from "../connection/_frames.ts";
import {
  CALL,
  CREATE,
  DECREF,
  INCREF,
  LEND,
  type ServerStats,
  SHUTDOWN,
  STATS,
  UNLEND,
} from "./_protocol.ts";
import { callAs } from "./_served/caller.ts";
import { ServedRef } from "./_served/ref.ts";
import { release } from "./_served/release.ts";
import { waitingCalls } from "./_served/waiters.ts";
import { Session, type SessionHost, type SessionLimits } from "./_session.ts";
import {
  DEFAULT_LIMITS,
  listenAt,
  resultTypesOf,
  type ServerConfig,
} from "./_server_config.ts";
import { Loans } from "./_loans.ts";

export type { ServerConfig } from "./_server_config.ts";
import type { WireToken } from "../connection/_wire.ts";
import { lobbyBuffer } from "./_lobby.ts";
import { SlotHub } from "./_slot_socket.ts";

interface Entry {
  readonly typeid: string;
  readonly value: object;
  readonly exposed: ReadonlySet<string> | null;
  refs: number;
}

function malformed(what: string): SyntaxError {
  return new SyntaxError(`malformed ${what} request`);
}

/** A manager server: the objects, the listener and the client sessions. */
export class ManagerServer implements SessionHost {
  /** Distinguishes this server's proxies from other servers'. */
  readonly id: string = crypto.randomUUID();
  readonly localKey: Uint8Array = crypto.getRandomValues(new Uint8Array(32));
  readonly limits: SessionLimits;
  readonly budget: PartialBudget;
  #config: ServerConfig;
  #exposed = new Map<string, ReadonlySet<string>>();
  #resultTypes: ReadonlyMap<string, ReadonlyMap<string, string>>;
  #objects = new Map<number, Entry>();
  /** Released objects still winding down (a closed Pool's running tasks). */
  #draining = new Set<object>();
  #loans = new Loans();
  #nextId = 1;
  #listening: Promise<Listener> | null = null;
  #listener: Listener | null = null;
  #sessions = new Set<Session>();
  #handshaking = new Set<Session>();
  #done: Promise<void>;
  #finish!: () => void;
  #stopped = false;
  #refs = new FinalizationRegistry<number>((id) => this.#release(id, 1));
  /** Its shared memory's slots, once `lobby` was asked for. */
  slots: SlotHub | null = null;
  /** Requests whose result is a promise not settled yet. */
  inflight = 0;

  constructor(config: ServerConfig) {
    this.#config = config;
    this.limits = { ...DEFAULT_LIMITS, ...config.limits };
    this.budget = { held: 0, limit: config.partialBytes ?? 256 * 1024 * 1024 };
    for (const [typeid, names] of config.exposed ?? []) {
      this.#exposed.set(typeid, new Set(names));
    }
    this.#resultTypes = resultTypesOf(config);
    this.#done = new Promise((resolve) => this.#finish = resolve);
  }

  /** Where it listens, once listening. */
  get address(): SocketAddress | null {
    return this.#listener?.address ?? null;
  }

  get authkey(): Uint8Array {
    return this.#config.authkey;
  }

  /**
   * The shared memory through which clients in this OS process reach the
   * server (see `_lobby.ts`); it travels in their proxies' tokens.
   */
  get lobby(): SharedArrayBuffer | undefined {
    if (this.slots === null && typeof SharedArrayBuffer === "function") {
      this.slots = new SlotHub(lobbyBuffer(), () => this.inflight > 0);
    }
    return this.slots?.lobby;
  }

  get debug(): boolean {
    return this.#config.debug ?? false;
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<SocketAddress> {
    const { address } = this.#config;
    if (this.#listening === null) {
      this.#listening = listenAt(address, (s) => this.#accept(s));
    }
    const first = this.#listener === null;
    this.#listener = await this.#listening;
    const { hostname, port } = this.#listener.address;
    // Python's line, at its level (INFO), from the server's thread.
    if (first) getLogger().info("manager serving at %s:%d", hostname, port);
    return this.#listener.address;
  }

  /** Serves the in-process owner over a byte stream (a worker's channel). */
  attach(socket: Socket): SocketEvents {
    const session = new Session(this, socket, true);
    this.#sessions.add(session);
    return session.events;
  }

  /** Listens if needed and resolves once a client asks for shutdown. */
  async serveForever(): Promise<void> {
    await this.listen();
    return this.#done;
  }

  /**
   * Stops listening and drops every session; `serveForever()` resolves once
   * the objects that hold resources (a Pool's workers) have let them go.
   */
  shutdown(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const released = this.#releaseAll();
    this.#listener?.close();
    for (const session of this.#sessions) session.kill();
    this.slots?.stop();
    released.then(this.#finish);
  }

  /**
   * Releases every object, and those still winding down (terminating
   * pools): the server is stopping.
   */
  #releaseAll(): Promise<unknown> {
    const values = [...this.#objects.values()].map((entry) => entry.value);
    values.push(...this.#draining);
    this.#objects.clear();
    this.#draining.clear();
    return Promise.all(values.map((value) => release(value, true)));
  }

  /** Releases an object no client refers to any more; it may wind down. */
  #drop(value: object): void {
    this.#draining.add(value);
    release(value, false).then(() => this.#draining.delete(value));
  }

  #accept(socket: Socket): SocketEvents {
    const maxConnections = this.#config.maxConnections ?? 512;
    const maxHandshakes = this.#config.maxHandshakes ?? 64;
    if (this.#handshaking.size >= maxHandshakes) {
      // The oldest unproven connection makes room: a flood of idle sockets
      // cannot lock real clients out for longer than their handshake.
      this.#handshaking.values().next().value!.kill();
    }
    if (this.#stopped || this.#sessions.size >= maxConnections) {
      socket.close();
      return { data() {}, close() {} };
    }
    const session = new Session(this, socket);
    this.#sessions.add(session);
    this.#handshaking.add(session);
    return session.events;
  }

  admit(session: Session): boolean {
    this.#handshaking.delete(session);
    return !this.#stopped;
  }

  closed(session: Session): void {
    this.#sessions.delete(session);
    this.#handshaking.delete(session);
    for (const [id, count] of session.refs) this.#release(id, count);
    session.refs.clear();
    for (const id of this.#loans.drop(session)) this.#release(id, 1);
  }

  hold(session: Session, id: number): void {
    const entry = this.#objects.get(id);
    if (entry === undefined) return;
    entry.refs++;
    session.refs.set(id, (session.refs.get(id) ?? 0) + 1);
  }

  adopt(token: WireToken): ServedRef {
    const [typeid, id] = token;
    const ref = new ServedRef(typeid, id);
    const entry = this.#objects.get(id);
    if (entry !== undefined && token[2] === this.id) {
      entry.refs++;
      this.#refs.register(ref, id);
    }
    return ref;
  }

  handle(session: Session, message: unknown[]): unknown {
    const [, op, a, b, c] = message;
    switch (op) {
      case CALL:
        return this.#call(session, a, b, c);
      case CREATE:
        return this.#create(session, a, b);
      case INCREF:
        if (!Number.isSafeInteger(a)) throw malformed("incref");
        return this.hold(session, a as number);
      case DECREF:
        return this.#decref(session, a);
      case LEND:
        return this.#lend(session, a, b);
      case UNLEND:
        return this.#unlend(a);
      case SHUTDOWN:
        // Resources first (the reply tells the owner its pools are gone),
        // then the server, after the reply is flushed (flushes are
        // microtasks).
        return this.#releaseAll().then(() => {
          setTimeout(() => this.shutdown(), 0);
        });
      case STATS:
        return {
          objects: this.#objects.size,
          sessions: this.#sessions.size,
          waiting: waitingCalls(),
          slots: this.slots?.used ?? 0,
        } satisfies ServerStats;
      default:
        throw new SyntaxError(`unknown operation ${describe(op)}`);
    }
  }

  #decref(session: Session, id: unknown): void {
    const held = session.refs.get(id as number) ?? 0;
    if (held === 0) return;
    if (held === 1) session.refs.delete(id as number);
    else session.refs.set(id as number, held - 1);
    this.#release(id as number, 1);
  }

  #lend(session: Session, id: unknown, key: unknown): void {
    if (typeof key !== "string" || key.length > 64) throw malformed("lend");
    const entry = this.#objects.get(id as number);
    if (this.#loans.lend(session, id as number, key, entry !== undefined)) {
      entry!.refs++;
    }
  }

  #unlend(key: unknown): void {
    if (typeof key !== "string" || key.length > 64) throw malformed("unlend");
    const id = this.#loans.unlend(key);
    if (id !== undefined) this.#release(id, 1);
  }

  #release(id: number, count: number): void {
    const entry = this.#objects.get(id);
    if (entry === undefined) return;
    entry.refs -= count;
    if (entry.refs <= 0) {
      this.#objects.delete(id);
      this.#drop(entry.value);
    }
  }

  /** Builds an object; the creating client holds the first reference. */
  #create(
    session: Session,
    typeid: unknown,
    args: unknown,
  ): number | Promise<number> {
    const factory = typeof typeid === "string"
      ? this.#config.factories.get(typeid)
      : undefined;
    if (factory === undefined || factory === null) {
      throw new TypeError(
        `Cannot create object: ${
          factory === null
            ? "this typeid is served only as a method's result"
            : "unknown typeid"
        }, received ${describe(typeid)}`,
      );
    }
    const made = callAs(session.caller, () =>
      factory(
        Array.isArray(args) ? args : [],
        (arg) => this.#resolve(arg),
      ));
    const hold = (value: object) => {
      const id = this.#serve(typeid as string, value, session);
      this.hold(session, id);
      return id;
    };
    return made instanceof Promise ? made.then(hold) : hold(made);
  }

  #resolve(arg: unknown): unknown {
    return arg instanceof ServedRef ? this.#objects.get(arg.id)?.value : arg;
  }

  /**
   * Lists a new object with no reference yet (the caller takes the first);
   * one made for a client that has left is released at once.
   */
  #serve(typeid: string, value: object, session: Session): number {
    const id = this.#nextId++;
    const exposed = this.#exposed.get(typeid) ?? null;
    this.#objects.set(id, { typeid, value, exposed, refs: 0 });
    if (!session.caller.alive || this.#stopped) {
      this.#objects.delete(id);
      if (this.#stopped) release(value, true);
      else this.#drop(value);
    }
    return id;
  }

  /** A method's result as a new served object of `typeid`, for its proxy. */
  #served(session: Session, typeid: string, result: unknown): ServedRef {
    const factory = this.#config.factories.get(typeid);
    const value = factory
      ? callAs(
        session.caller,
        () => factory([result], (arg) => this.#resolve(arg)),
      )
      : result;
    if (
      typeof value !== "object" || value === null || value instanceof Promise
    ) {
      throw new TypeError(
        `Cannot serve the result as ${typeid}: it is not an object, received ${
          describe(value)
        }`,
      );
    }
    return new ServedRef(typeid, this.#serve(typeid, value, session));
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
        `Cannot call method ${describe(method)}: no object with id ${
          describe(id)
        } (it was released)`,
      );
    }
    const fn = exposedMethod(entry.value, entry.typeid, method, entry.exposed);
    const result = callAs(
      session.caller,
      () => fn.apply(entry.value, Array.isArray(args) ? args : []),
    );
    const typeid = this.#resultTypes.get(entry.typeid)?.get(method as string);
    if (typeid === undefined) return result;
    return result instanceof Promise
      ? result.then((value) => this.#served(session, typeid, value))
      : this.#served(session, typeid, result);
  }
}
