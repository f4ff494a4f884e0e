/**
 * `SyncManager` and `Manager()`: the manager of Python's
 * `multiprocessing.Manager()`, serving lists, dicts, namespaces, values,
 * arrays, locks, conditions, events, barriers and queues.
 *
 * @module
 */
import { moduleUrls } from "../_core/function_ref.ts";
import { POOL_MODULES, SYNC_TYPES } from "./_served/objects.ts";
import { taskName } from "./_task.ts";
import { BaseManager, type BaseManagerOptions } from "./manager.ts";
import type { DictProxy } from "./dict_proxy.ts";
import type { ListProxy } from "./list_proxy.ts";
import type { PoolProxy, PoolTask } from "./pool_proxy.ts";
import type { SetItem, SetProxy } from "./set_proxy.ts";
import type {
  AcquirerProxy,
  BarrierProxy,
  ConditionProxy,
  EventProxy,
  QueueProxy,
} from "./sync_proxy.ts";
import type { ArrayProxy, NamespaceProxy, ValueProxy } from "./value_proxy.ts";

/** Options of {@linkcode SyncManager} and {@linkcode Manager}. */
export interface SyncManagerOptions extends BaseManagerOptions {
  /**
   * The modules whose exports the manager's `Pool`s may run (as URLs, e.g.
   * `import.meta.url`): the server imports them, and runs only their
   * exports, never code a client sends. @default [] (no `Pool`)
   */
  poolModules?: string | URL | readonly (string | URL)[];
}

/** Options of {@linkcode SyncManager.Pool}, as Python's `Pool`. */
export interface ManagedPoolOptions {
  /** How many workers. @default cpuCount() */
  processes?: number;
  /** Runs once in each worker; an export of the pool's modules. */
  initializer?: PoolTask<never[], unknown>;
  /** Arguments for `initializer`. @default [] */
  initargs?: unknown[];
  /** Tasks (chunks) a worker runs before it is replaced. @default null */
  maxtasksperchild?: number | null;
  /**
   * The modules tasks come from, each one of the manager's `poolModules`.
   * @default the manager's poolModules
   */
  module?: string | URL | readonly (string | URL)[];
}

/**
 * The manager of Python's `multiprocessing.Manager()`: factories for lists,
 * dicts, namespaces, values, arrays, locks, conditions, events, barriers and
 * queues, each returning a proxy.
 *
 * @example Usage
 * ```ts
 * import { SyncManager } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const manager = new SyncManager();
 * await manager.start();
 * const list = await manager.list<string>();
 * await list.append("Hello");
 * assert.deepEqual(await list.toArray(), ["Hello"]);
 * const set = await manager.set([1, 2]);
 * assert.equal(await set.has(2), true);
 * await manager.shutdown();
 * ```
 */
export class SyncManager extends BaseManager {
  /** @ignore Tells the server to serve the types below. */
  static readonly [SYNC_TYPES] = true;
  #poolModules: readonly string[];

  /**
   * Describes a manager; nothing runs until `start`, `connect` or
   * `getServer`.
   *
   * @throws {TypeError} If an option is unknown or of the wrong type.
   * @throws {RangeError} If `authkey` is empty or `maxConnections` < 1.
   */
  constructor(options?: SyncManagerOptions) {
    const isObject = typeof options === "object" && options !== null;
    const { poolModules, ...rest } = isObject ? options : {};
    super(isObject ? rest : options);
    try {
      this.#poolModules = moduleUrls("create manager", poolModules);
    } catch (error) {
      // moduleUrls names the Pool's option; this one is poolModules.
      const message = (error as Error).message.replace(
        '"module"',
        '"poolModules"',
      );
      throw new TypeError(message);
    }
  }

  /** @ignore The modules its server's pools may run tasks from. */
  get [POOL_MODULES](): readonly string[] {
    return this.#poolModules;
  }

  /** A shared list, optionally filled from `init`. */
  list<T = unknown>(init: Iterable<T> = []): Promise<ListProxy<T>> {
    return this.create("list", [...init]) as Promise<ListProxy<T>>;
  }

  /** A shared dict, optionally filled from an object, Map or pairs. */
  dict<K extends string | number = string, V = unknown>(
    init?:
      | Partial<Record<NoInfer<K>, V>>
      | Map<NoInfer<K>, V>
      | Iterable<[NoInfer<K>, V]>,
  ): Promise<DictProxy<K, V>> {
    const value = init === undefined || init instanceof Map ||
        !(Symbol.iterator in init)
      ? init
      : [...init as Iterable<[K, V]>];
    return this.create(
      "dict",
      ...(value === undefined ? [] : [value]),
    ) as Promise<
      DictProxy<K, V>
    >;
  }

  /** A shared set (Python 3.14's `SyncManager.set`), optionally filled from `init`. */
  set<T extends SetItem = SetItem>(
    init: Iterable<NoInfer<T>> = [],
  ): Promise<SetProxy<T>> {
    return this.create("set", [...init]) as Promise<SetProxy<T>>;
  }

  /**
   * A Pool the server owns, like Python's `SyncManager.Pool`; its tasks run
   * only exports of the manager's `poolModules`.
   *
   * @param processes How many workers. @default cpuCount()
   * @param options `initializer`, `initargs`, `maxtasksperchild`, `module`.
   * @throws {ProcessError} If the manager allows no pool modules, `module`
   * names another module, or the initializer is not an export of them.
   */
  Pool(
    processes?: number | null | ManagedPoolOptions,
    options?: ManagedPoolOptions,
  ): Promise<PoolProxy> {
    const byNumber = typeof processes !== "object" || processes === null;
    const { processes: count, initializer, module, ...rest } =
      (byNumber ? options : processes) ?? {};
    const wire: Record<string, unknown> = { ...rest };
    if (initializer !== undefined) wire.initializer = taskName(initializer);
    if (module !== undefined) wire.module = moduleUrls("create Pool", module);
    return this.create(
      "Pool",
      (byNumber ? processes : count) ?? null,
      wire,
    ) as Promise<PoolProxy>;
  }

  /** A shared namespace, optionally with initial attributes. */
  Namespace(init?: Record<string, unknown>): Promise<NamespaceProxy> {
    return this.create(
      "Namespace",
      ...(init === undefined ? [] : [init]),
    ) as Promise<
      NamespaceProxy
    >;
  }

  /** A shared value; like Python's, `typecode` is recorded, not enforced. */
  Value<T = unknown>(typecode: string, value: T): Promise<ValueProxy<T>> {
    return this.create("Value", typecode, value) as Promise<ValueProxy<T>>;
  }

  /** A shared fixed-size array of `typecode`, from a size or the items. */
  Array<T extends number | bigint = number>(
    typecode: string,
    sizeOrItems: number | Iterable<NoInfer<T>>,
  ): Promise<ArrayProxy<T>> {
    const init = typeof sizeOrItems === "number"
      ? sizeOrItems
      : [...sizeOrItems];
    return this.create("Array", typecode, init) as Promise<ArrayProxy<T>>;
  }

  /** A shared Lock. */
  Lock(): Promise<AcquirerProxy> {
    return this.create("Lock") as Promise<AcquirerProxy>;
  }

  /** A shared RLock; its owner is the calling thread. */
  RLock(): Promise<AcquirerProxy> {
    return this.create("RLock") as Promise<AcquirerProxy>;
  }

  /** A shared Semaphore. @default value 1 */
  Semaphore(value = 1): Promise<AcquirerProxy> {
    return this.create("Semaphore", value) as Promise<AcquirerProxy>;
  }

  /** A shared BoundedSemaphore. @default value 1 */
  BoundedSemaphore(value = 1): Promise<AcquirerProxy> {
    return this.create("BoundedSemaphore", value) as Promise<AcquirerProxy>;
  }

  /** A shared Condition over `lock` (a Lock or RLock proxy), else its own RLock. */
  Condition(lock?: AcquirerProxy): Promise<ConditionProxy> {
    return this.create("Condition", ...(lock ? [lock] : [])) as Promise<
      ConditionProxy
    >;
  }

  /** A shared Event. */
  Event(): Promise<EventProxy> {
    return this.create("Event") as Promise<EventProxy>;
  }

  /** A shared Barrier for `parties` callers. */
  Barrier(
    parties: number,
    options?: { timeout?: number },
  ): Promise<BarrierProxy> {
    return this.create("Barrier", parties, options ?? null) as Promise<
      BarrierProxy
    >;
  }

  /** A shared Queue; `maxsize` 0 means unbounded. @default maxsize 0 */
  Queue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.create("Queue", maxsize) as Promise<QueueProxy<T>>;
  }

  /** A shared JoinableQueue (with `taskDone` and `join`). */
  JoinableQueue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.create("JoinableQueue", maxsize) as Promise<QueueProxy<T>>;
  }
}

/**
 * Starts a {@linkcode SyncManager} in a worker and resolves it started, like
 * Python's `multiprocessing.Manager()`; `await using` shuts it down.
 *
 * @param options Address, authkey, `poolModules`…; the defaults suit one
 * machine.
 * @returns The started manager.
 * @throws {ProcessError} If the server cannot start.
 * @example Usage
 * ```ts
 * import { Manager, Process } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager();
 * const list = await manager.list<string>();
 * const p = new Process({
 *   target: async (l: typeof list) => await l.append("Hello"),
 *   args: [list],
 * });
 * p.start();
 * await p.join();
 * assert.deepEqual(await list.toArray(), ["Hello"]);
 * ```
 */
export async function Manager(
  options?: SyncManagerOptions,
): Promise<SyncManager> {
  const manager = new SyncManager(options);
  await manager.start();
  return manager;
}
