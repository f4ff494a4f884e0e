/**
 * Managers: a server that owns shared objects, and proxies that use them
 * from any thread, process or machine, like Python's `BaseManager`,
 * `SyncManager` and `Manager()`.
 *
 * @module
 */
import {
  runtime,
  type SocketAddress,
  type SocketEvents,
  type WorkerHandle,
} from "../_runtime/mod.ts";
import { authkeyBytes } from "./_auth.ts";
import { decodeThrown } from "../_core/codec.ts";
import { identity, nextPid, WORKER_URL } from "../_core/identity.ts";
import { functionRef, moduleUrls } from "../_core/function_ref.ts";
import { type Connection, connectionTo } from "./_client.ts";
import { SYNC_TYPES, syncFactories } from "./_served/objects.ts";
import { ManagerServer } from "./_server.ts";
import { factoryOf } from "./_worker.ts";
import type { FromManager, RunManager } from "../_core/protocol.ts";
import { describe, optionsObject } from "../_core/validate.ts";
import { ProcessError } from "../errors.ts";
import type { AutoProxy, BaseProxy } from "./proxy.ts";

export type { SocketAddress } from "../_runtime/mod.ts";

/** Options of {@linkcode BaseManager}. */
export interface BaseManagerOptions {
  /**
   * Where the server listens (`start`, `getServer`) or is (`connect`).
   * Port 0 picks a free port. @default { hostname: "127.0.0.1", port: 0 }
   */
  address?: { hostname?: string; port?: number };
  /**
   * The secret both sides prove they know (HMAC-SHA256 challenge) before
   * any request. @default 32 random bytes (required for `connect`)
   */
  authkey?: string | Uint8Array;
  /**
   * Modules whose exports are registered factories: `start()` sends those
   * by reference, so they may use their module's imports.
   */
  module?: string | URL | readonly (string | URL)[];
}

/** The factory methods `register` adds to a manager. */
export type Registered<K extends string, A extends unknown[], T> = {
  readonly [P in K]: (...args: A) => Promise<AutoProxy<T>>;
};

const KNOWN_OPTIONS = ["address", "authkey", "module"] as const;
const TYPEID = /^[A-Za-z$][\w$]*$/;
let created = 0;

/**
 * A manager like Python's `BaseManager`: `register` types, then `start()` a
 * server in a worker (or `getServer().serveForever()` in this thread, or
 * `connect()` to a running one), and create shared objects whose proxies
 * work from any thread, process, runtime or machine that has the authkey.
 *
 * @example Usage
 * ```ts
 * import { BaseManager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * class Counter {
 *   count = 0;
 *   increment(): number {
 *     return ++this.count;
 *   }
 * }
 * const manager = new BaseManager({ authkey: "secret" })
 *   .register("Counter", Counter);
 * await manager.start();
 * const counter = await manager.Counter();
 * await counter.increment();
 * assert.equal(await counter.increment(), 2);
 * await manager.shutdown();
 * ```
 */
export class BaseManager {
  #address: SocketAddress;
  #authkey: Uint8Array;
  #modules: string[];
  #factories = new Map<string, unknown>();
  #state: "initial" | "started" | "connected" | "serving" | "shut down" =
    "initial";
  #worker: WorkerHandle | null = null;
  #connection: Connection | null = null;
  #server: ManagerServer | null = null;

  /**
   * Describes a manager; nothing runs until `start`, `connect` or `getServer`.
   *
   * @throws {TypeError} If an option is unknown or of the wrong type.
   */
  constructor(options?: BaseManagerOptions) {
    const what = "create manager";
    const { address = {}, authkey, module } = optionsObject(
      what,
      options,
      KNOWN_OPTIONS,
    );
    const { hostname = "127.0.0.1", port = 0 } = address;
    if (typeof hostname !== "string") {
      throw new TypeError(
        `Cannot ${what}: "address.hostname" must be a string, received ${
          describe(hostname)
        }`,
      );
    }
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(
        `Cannot ${what}: "address.port" must be an integer from 0 to 65535, received ${
          describe(port)
        }`,
      );
    }
    if (
      authkey !== undefined && typeof authkey !== "string" &&
      !(authkey instanceof Uint8Array)
    ) {
      throw new TypeError(
        `Cannot ${what}: "authkey" must be a string or a Uint8Array, received ${
          describe(authkey)
        }`,
      );
    }
    this.#address = { hostname, port };
    this.#authkey = authkey === undefined
      ? crypto.getRandomValues(new Uint8Array(32))
      : authkeyBytes(authkey);
    this.#modules = moduleUrls(what, module);
  }

  /** Where the server listens: as given, then the bound address once started. */
  get address(): SocketAddress {
    return this.#server?.address ?? this.#address;
  }

  /** The secret clients must know; pass it to `connect` elsewhere. */
  get authkey(): Uint8Array {
    return this.#authkey;
  }

  /**
   * Registers a type: the server builds objects with `factory` (a class or
   * a function), and the manager gains a method `typeid(...args)` that
   * creates one and resolves its proxy. Only public methods (not starting
   * with `_`) are callable through the proxy. A client that `connect`s may
   * register a typeid without a factory.
   *
   * @param typeid A name such as `"Counter"`.
   * @param factory Builds the shared object; omitted on clients.
   * @returns This manager, typed with the new method.
   * @throws {TypeError} If `typeid` is not an identifier or is taken, or
   * `factory` is not a function.
   * @throws {ProcessError} If the manager already started.
   */
  register<K extends string, A extends unknown[] = unknown[], T = object>(
    typeid: K,
    factory?: ((...args: A) => T) | (new (...args: A) => T),
  ): this & Registered<K, A, T> {
    const what = "register manager type";
    if (typeof typeid !== "string" || !TYPEID.test(typeid)) {
      throw new TypeError(
        `Cannot ${what}: typeid must be an identifier, received ${
          describe(typeid)
        }`,
      );
    }
    if (typeid in this && !this.#factories.has(typeid)) {
      throw new TypeError(
        `Cannot ${what}: the name is taken by a manager member, received "${typeid}"`,
      );
    }
    if (factory !== undefined && typeof factory !== "function") {
      throw new TypeError(
        `Cannot ${what}: factory must be a class or a function, received ${
          describe(factory)
        }`,
      );
    }
    if (this.#state !== "initial") {
      throw new ProcessError(
        `Cannot ${what}: the manager is already ${this.#state}`,
      );
    }
    this.#factories.set(typeid, factory);
    Object.defineProperty(this, typeid, {
      value: (...args: unknown[]) => this.create(typeid, ...args),
      configurable: true,
    });
    return this as this & Registered<K, A, T>;
  }

  /**
   * Starts the server in a new worker and connects to it.
   *
   * @throws {ProcessError} If already started, or the server cannot start
   * (for example, the address is in use).
   */
  async start(): Promise<void> {
    this.#expect("start manager", "initial");
    const what = "start manager";
    const message: RunManager = {
      type: "manager",
      identity: {
        pid: nextPid(),
        name: `${this.constructor.name}-${++created}`,
        pids: identity().pids,
      },
      address: this.#address,
      authkey: this.#authkey,
      sync: this.#servesSyncTypes(),
      factories: [...this.#factories]
        .filter(([, factory]) => factory !== undefined)
        .map(([typeid, factory]) => ({
          typeid,
          factory: functionRef(what, "factory", factory, this.#modules),
        })),
    };
    this.#state = "started";
    let channel: SocketEvents | null = null;
    const started = Promise.withResolvers<SocketAddress>();
    const worker = runtime.spawn(WORKER_URL, {
      message(data) {
        const reply = data as FromManager;
        if (reply.type === "manager-data") channel?.data(reply.bytes);
        else if (reply.type === "manager-ready") started.resolve(reply.address);
        else started.reject(decodeThrown(reply.error));
      },
      exit(code) {
        started.reject(new ProcessError(`its server exited with code ${code}`));
      },
    });
    this.#worker = worker;
    worker.postMessage(message);
    try {
      this.#address = await started.promise;
    } catch (error) {
      await worker.terminate();
      this.#state = "shut down";
      throw new ProcessError(
        `Cannot ${what}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    // A program that never shuts its manager down still exits.
    worker.unref();
    // This thread talks to the server over the worker channel.
    this.#connection = connectionTo(
      this.#address,
      this.#authkey,
      (events) => {
        channel = events;
        return Promise.resolve({
          write(bytes) {
            worker.postMessage({ type: "manager-data", bytes });
          },
          close() {},
          unref() {
            worker.unref();
          },
          ref() {
            worker.ref();
          },
        });
      },
    );
    await this.#connection.ready;
  }

  /**
   * Connects to a server already running at `address`.
   *
   * @throws {AuthenticationError} If the server rejects the authkey.
   * @throws {ProcessError} If it cannot be reached.
   */
  async connect(): Promise<void> {
    this.#expect("connect manager", "initial");
    this.#state = "connected";
    this.#connection = connectionTo(this.#address, this.#authkey);
    try {
      await this.#connection.ready;
    } catch (error) {
      this.#state = "initial";
      throw error;
    }
  }

  /**
   * A server for this manager's types that runs in the calling thread, like
   * Python's `get_server()`; `serveForever()` serves until a client calls
   * `shutdown()`.
   *
   * @throws {ProcessError} If the manager already started or connected.
   */
  getServer(): Server {
    this.#expect("get manager server", "initial");
    this.#state = "serving";
    const factories = this.#servesSyncTypes() ? syncFactories() : new Map();
    for (const [typeid, factory] of this.#factories) {
      if (factory !== undefined) {
        factories.set(typeid, factoryOf(typeid, factory));
      }
    }
    this.#server = new ManagerServer({
      address: this.#address,
      authkey: this.#authkey,
      factories,
    });
    return new Server(this.#server);
  }

  /**
   * Creates a shared object of a registered type on the server.
   *
   * @param typeid The registered type.
   * @param args Arguments for its factory; proxies stay proxies.
   * @returns The proxy of the new object.
   * @throws {RemoteError} If the typeid is unknown to the server or its
   * factory threw.
   * @throws {ProcessError} If the manager is not started or connected.
   */
  create(typeid: string, ...args: unknown[]): Promise<BaseProxy> {
    if (this.#connection === null || this.#state === "shut down") {
      return Promise.reject(
        new ProcessError(
          `Cannot create ${typeid}: the manager is ${this.#state}; call start() or connect() first`,
        ),
      );
    }
    return this.#connection.request("create", typeid, args) as Promise<
      BaseProxy
    >;
  }

  /**
   * Stops the server this manager started or serves (its objects are gone),
   * or disconnects a connected manager. Idempotent.
   */
  async shutdown(): Promise<void> {
    const state = this.#state;
    this.#state = "shut down";
    if (state === "started") {
      await this.#connection?.request("shutdown").catch(() => {});
      await this.#worker?.terminate();
    }
    if (state === "started" || state === "connected") {
      this.#connection?.close();
    }
    if (state === "serving") this.#server?.shutdown();
  }

  /** Same as {@linkcode BaseManager.shutdown}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #servesSyncTypes(): boolean {
    return SYNC_TYPES in this.constructor;
  }

  #expect(what: string, state: "initial"): void {
    if (this.#state !== state) {
      throw new ProcessError(`Cannot ${what}: it is already ${this.#state}`);
    }
  }
}

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
