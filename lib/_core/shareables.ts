// Every kind of object that can travel to a worker and arrive there as the
// same live object, with the module that rebuilds it. A worker imports that
// module when the first object of its kind arrives, so it loads only what it
// receives — never the manager's wire codec unless it talks to a manager. A
// kind missing from this list fails loudly when it arrives.
import { unregisteredTag } from "./codec.ts";

const SYNC_LOCK = () => import("../sync/lock.ts");
const SEMAPHORE = () => import("../sync/semaphore.ts");
const VALUE = () => import("../sharedctypes/value.ts");
const ARRAY = () => import("../sharedctypes/array.ts");
const QUEUE = () => import("../queues/queue.ts");

/** Tag → the module that registers its rebuilder when imported. */
const MODULES: Record<string, () => Promise<unknown>> = {
  Lock: SYNC_LOCK,
  RLock: SYNC_LOCK,
  Semaphore: SEMAPHORE,
  BoundedSemaphore: SEMAPHORE,
  Condition: () => import("../sync/condition.ts"),
  Event: () => import("../sync/event.ts"),
  Barrier: () => import("../sync/barrier.ts"),
  RawValue: VALUE,
  Value: VALUE,
  RawArray: ARRAY,
  Array: ARRAY,
  Queue: QUEUE,
  SimpleQueue: QUEUE,
  JoinableQueue: QUEUE,
  Connection: () => import("../queues/connection.ts"),
  SharedMemory: () => import("../sharedctypes/shared_memory.ts"),
  ShareableList: () => import("../sharedctypes/shareable_list.ts"),
  SharedMemoryManager: () => import("../sharedctypes/shared_memory_manager.ts"),
  // Every proxy class, so a rebuilt proxy gets its own (not AutoProxy).
  ManagerProxy: () => import("../manager/_proxies.ts"),
};

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function collect(value: unknown, tags: Set<string>, seen: Set<object>): void {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  const tag = unregisteredTag(value);
  if (tag !== undefined) {
    tags.add(tag);
  } else if (globalThis.Array.isArray(value)) {
    for (const item of value) collect(item, tags, seen);
  } else if (isPlainObject(value)) {
    for (const key in value) {
      collect((value as Record<string, unknown>)[key], tags, seen);
    }
  }
}

/**
 * Imports the modules that rebuild the shareable objects inside `message`
 * whose kinds this thread has not loaded yet; `null` when none is missing.
 * Unknown kinds are left for the codec, which names them in its error.
 */
export function loadShareables(message: unknown): Promise<unknown> | null {
  const tags = new Set<string>();
  collect(message, tags, new Set());
  const loads = [...tags].flatMap((tag) =>
    Object.hasOwn(MODULES, tag) ? [MODULES[tag]()] : []
  );
  return loads.length === 0 ? null : Promise.all(loads);
}
