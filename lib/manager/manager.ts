/**
 * Managers: a server that owns shared objects, and proxies that use them
 * from any thread, process or machine, like Python's `BaseManager`,
 * `SyncManager` and `Manager()`.
 *
 * @module
 */
import type { SocketAddress, WorkerHandle } from "../_runtime/mod.ts";
import { identity, nextPid } from "../_core/identity.ts";
import { functionRef } from "../_core/function_ref.ts";
import type { RunManager } from "../_core/protocol.ts";
import { describe } from "../_core/validate.ts";
import { clientOf, type ManagerClient } from "./_client.ts";
import { managerSettings } from "./_options.ts";
import { CREATE, SHUTDOWN } from "./_protocol.ts";
import {
  checkResultTypes,
  registered,
  startSettings,
  TYPEID,
  type TypeSettings,
  typeSettings,
} from "./_register.ts";
import { POOL_MODULES, SYNC_TYPES, syncTypes } from "./_served/objects.ts";
import { ManagerServer } from "./_server.ts";
import { startServer } from "./_start.ts";
import { factoryOf, serverTypes } from "./_server_types.ts";
import { ProcessError } from "../errors.ts";
import type { AutoProxy, BaseProxy } from "./proxy.ts";
import type {
  BaseManagerOptions,
  Registered,
  RegisterOptions,
  StartOptions,
} from "./manager_options.ts";
import { Server } from "./server.ts";

export type { SocketAddress } from "../socket_address.ts";
export { Server } from "./server.ts";
export type {
  BaseManagerOptions,
  Registered,
  RegisterOptions,
  StartOptions,
} from "./manager_options.ts";

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
  #debug: boolean;
  #maxConnections: number;
  #factories = new Map<string, unknown>();
  #types = new Map<string, TypeSettings>();
  #state: "initial" | "started" | "connected" | "shut down" = "initial";
  #worker: WorkerHandle | null = null;
  #client: ManagerClient | null = null;
  #server: ManagerServer | null = null;

  /**
   * Describes a manager; nothing runs until `start`, `connect` or `getServer`.
   *
   * @throws {TypeError} If an option is unknown or of the wrong type.
   * @throws {RangeError} If `authkey` is empty or `maxConnections` < 1.
   */
  constructor(options?: BaseManagerOptions) {
    const settings = managerSettings(options);
    this.#address = settings.address;
    this.#authkey = settings.authkey;
    this.#modules = settings.modules;
    this.#debug = settings.debug;
    this.#maxConnections = settings.maxConnections;
  }

  /** Where the server listens: as given, then the bound address once started. */
  get address(): SocketAddress {
    return (this.#state === "initial" ? this.#server?.address : null) ??
      this.#address;
  }

  /** The secret clients must know; pass it to `connect` elsewhere. */
  get authkey(): Uint8Array {
    return this.#authkey;
  }

  /**
   * Registers a type, like Python's `register`: the server builds objects
   * with `factory` (a class or a function), and the manager gains a method
   * `typeid(...args)` that creates one and resolves its proxy. Only public
   * methods (not starting with `_`) are callable through the proxy, unless
   * `options.exposed` names the list. A client that `connect`s may register
   * a typeid without a factory (to set its proxy type).
   *
   * @param typeid A name such as `"Counter"`.
   * @param factory Builds the served object; omitted on clients, and for
   * types only methods return (those are then served as returned).
   * @param options `exposed`, `methodToTypeid`, `proxytype`, `createMethod`.
   * @returns This manager, typed with the new method.
   * @throws {TypeError} If `typeid` is not an identifier or is taken,
   * `factory` is not a function, or an option is of the wrong type.
   * @throws {ProcessError} If the manager already started.
   * @example Usage
   * ```ts
   * import { BaseManager, BaseProxy } from "@seed/multiprocessing";
   * import assert from "node:assert/strict";
   *
   * class Folder {
   *   open(name: string): { name(): string } {
   *     return { name: () => name };
   *   }
   * }
   * class FolderProxy extends BaseProxy {
   *   open(name: string): Promise<BaseProxy & { name(): Promise<string> }> {
   *     return this.callMethod("open", [name]) as never;
   *   }
   * }
   * const manager = new BaseManager()
   *   .register("Folder", Folder, {
   *     proxytype: FolderProxy,
   *     methodToTypeid: { open: "File" }, // open() returns a proxy
   *   })
   *   .register("File", undefined, { createMethod: false });
   * await manager.start();
   * const folder = await manager.Folder();
   * assert.ok(folder instanceof FolderProxy);
   * const file = await folder.open("a.txt");
   * assert.equal(file.typeid, "File");
   * assert.equal(await file.name(), "a.txt");
   * await manager.shutdown();
   * ```
   */
  register<
    K extends string,
    A extends unknown[] = unknown[],
    T = object,
    P = AutoProxy<T>,
  >(
    typeid: K,
    factory?: ((...args: A) => T) | (new (...args: A) => T),
    options?: RegisterOptions<P>,
  ): this & Registered<K, A, P> {
    const what = "register manager type";
    const settings = typeSettings(what, options);
    if (typeof typeid !== "string" || !TYPEID.test(typeid)) {
      throw new TypeError(
        `Cannot ${what}: typeid must be an identifier, received ${
          describe(typeid)
        }`,
      );
    }
    if (
      settings.createMethod && typeid in this && !this.#types.has(typeid)
    ) {
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
    this.#types.set(typeid, settings);
    if (settings.createMethod) {
      Object.defineProperty(this, typeid, {
        value: (...args: unknown[]) => this.create(typeid, ...args),
        configurable: true,
      });
    } else if (Object.hasOwn(this, typeid)) {
      delete (this as Record<string, unknown>)[typeid];
    }
    return this as this & Registered<K, A, P>;
  }

  /**
   * Starts the server in a new worker and connects to it. Like Python's
   * `start(initializer, initargs)`, `initializer(...initargs)` runs in the
   * server's thread before it serves.
   *
   * @param options `initializer` and `initargs`.
   * @throws {TypeError} If an option is of the wrong type.
   * @throws {ProcessError} If already started or shut down, or the server
   * cannot start (for example, the address is in use, or the initializer
   * threw: its message follows).
   * @example Usage
   * ```ts
   * import { BaseManager } from "@seed/multiprocessing";
   * import assert from "node:assert/strict";
   *
   * class Settings {
   *   mode(): unknown {
   *     return (globalThis as Record<string, unknown>).mode;
   *   }
   * }
   * const manager = new BaseManager().register("Settings", Settings);
   * await manager.start({
   *   initializer: (mode: string) => {
   *     (globalThis as Record<string, unknown>).mode = mode;
   *   },
   *   initargs: ["fast"],
   * });
   * assert.equal(await (await manager.Settings()).mode(), "fast");
   * await manager.shutdown();
   * ```
   */
  async start(options?: StartOptions): Promise<void> {
    this.#expect("start manager");
    const { initializer, initargs } = startSettings(options, this.#modules);
    checkResultTypes(
      this.#types,
      this.#servesSyncTypes() ? syncTypes([]).factories.keys() : [],
    );
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
      factories: registered(
        this.#types,
        this.#factories,
        (factory) =>
          functionRef("start manager", "factory", factory, this.#modules),
      ),
      initializer,
      initargs,
      poolModules: this.#poolModules(),
      server: { debug: this.#debug, maxConnections: this.#maxConnections },
    };
    this.#state = "started";
    try {
      const { worker, address, client } = await startServer(message);
      this.#worker = worker;
      this.#address = address;
      this.#useClient(client);
    } catch (error) {
      this.#state = "shut down";
      throw error;
    }
  }

  /**
   * Connects to a server already running at `address`.
   *
   * @throws {AuthenticationError} If the server rejects the authkey.
   * @throws {ProcessError} If it cannot be reached.
   */
  async connect(): Promise<void> {
    this.#expect("connect manager");
    this.#state = "connected";
    const client = clientOf(this.#address, this.#authkey);
    this.#useClient(client);
    try {
      await client.ready;
    } catch (error) {
      this.#state = "initial";
      throw error;
    }
  }

  /**
   * A server for this manager's types that runs in the calling thread, like
   * Python's `get_server()`; `serveForever()` serves until a client calls
   * `shutdown()`. Like Python's, it leaves the manager unstarted: once that
   * server is shut down, `start()` may run one in a worker.
   *
   * @throws {ProcessError} If the manager already started, connected or
   * shut down.
   */
  getServer(): Server {
    this.#expect("get manager server");
    this.#server = new ManagerServer({
      address: this.#address,
      authkey: this.#authkey,
      ...serverTypes(
        this.#servesSyncTypes(),
        this.#poolModules(),
        registered(
          this.#types,
          this.#factories,
          (factory, typeid) => factoryOf(typeid, factory),
        ),
      ),
      debug: this.#debug,
      maxConnections: this.#maxConnections,
    });
    return new Server(this.#server);
  }

  /**
   * Creates an object of a registered type on the server.
   *
   * @param typeid The registered type.
   * @param args Arguments for its factory; proxies stay proxies.
   * @returns The proxy of the new object.
   * @throws {TypeError} If the typeid is unknown to the server.
   * @throws {Error} What its factory threw, with its class.
   * @throws {ProcessError} If the manager is not started or connected.
   */
  async create(typeid: string, ...args: unknown[]): Promise<BaseProxy> {
    const client = this.#client;
    if (client === null || this.#state === "shut down") {
      throw new ProcessError(
        `Cannot create ${typeid}: the manager is ${this.#state}; call start() or connect() first`,
      );
    }
    const id = await client.request(CREATE, typeid, args) as number;
    return client.adopt(typeid, id) as BaseProxy;
  }

  /**
   * Stops the server this manager started or serves (its objects are gone),
   * or disconnects a connected manager. Idempotent.
   */
  async shutdown(): Promise<void> {
    const state = this.#state;
    this.#state = "shut down";
    if (state === "started") {
      await this.#client?.request(SHUTDOWN).catch(() => {});
      await this.#worker?.terminate();
    }
    this.#client?.close();
    this.#server?.shutdown();
  }

  /** Same as {@linkcode BaseManager.shutdown}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #servesSyncTypes(): boolean {
    return SYNC_TYPES in this.constructor;
  }

  #poolModules(): readonly string[] {
    const self = this as { [POOL_MODULES]?: readonly string[] };
    return self[POOL_MODULES] ?? [];
  }

  /** Connects through `client`, which builds this manager's proxy types. */
  #useClient(client: ManagerClient): void {
    this.#client = client;
    for (const [typeid, { proxyMaker }] of this.#types) {
      if (proxyMaker !== null) client.proxyTypes.set(typeid, proxyMaker);
    }
  }

  #expect(what: string): void {
    if (this.#state === "shut down") {
      throw new ProcessError(
        `Cannot ${what}: it has shut down (a manager starts once; make a new one)`,
      );
    }
    if (this.#state !== "initial") {
      throw new ProcessError(`Cannot ${what}: it is already ${this.#state}`);
    }
  }
}
