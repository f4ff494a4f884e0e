/**
 * Python's `multiprocessing` for Deno, Bun and Node: processes as worker
 * threads, shared memory, synchronization primitives, and Python's names
 * and semantics.
 *
 * @example Usage
 * ```ts
 * import * as mp from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const p = new mp.Process({ target: (name: string) => console.log("hello", name), args: ["bob"] });
 * p.start();
 * await p.join();
 * assert.equal(p.exitCode, 0);
 * ```
 *
 * @module
 */
export * from "./lib/sharedctypes/array.ts";
export * from "./lib/sync/barrier.ts";
export * from "./lib/sync/condition.ts";
export * from "./lib/errors.ts";
export * from "./lib/sync/event.ts";
export * from "./lib/sync/lock.ts";
export * from "./lib/current_process.ts";
export * from "./lib/process.ts";
export * from "./lib/wait.ts";
export * from "./lib/connection/listener.ts";
export * from "./lib/connection/client.ts";
export * from "./lib/connection/socket_connection.ts";
export {
  AsyncResult,
  type AsyncResultCallbacks,
} from "./lib/pool/async_result.ts";
export * from "./lib/pool/base_pool.ts";
export * from "./lib/pool/pool.ts";
export * from "./lib/queues/connection.ts";
export * from "./lib/queues/pipe.ts";
export * from "./lib/queues/queue.ts";
export * from "./lib/sync/semaphore.ts";
export type {
  IntegerTypecode,
  Typecode,
  TypecodeValue,
  TypedArrayOf,
} from "./lib/sharedctypes/typecodes.ts";
export * from "./lib/sharedctypes/value.ts";
export * from "./lib/manager/manager.ts";
export * from "./lib/manager/proxy.ts";
export * from "./lib/manager/list_proxy.ts";
export * from "./lib/manager/dict_proxy.ts";
export * from "./lib/manager/set_proxy.ts";
export * from "./lib/manager/pool_proxy.ts";
export * from "./lib/manager/proxy_view.ts";
export * from "./lib/manager/sync_manager.ts";
export * from "./lib/manager/sync_proxy.ts";
export * from "./lib/manager/value_proxy.ts";
export * from "./lib/pool/thread_pool.ts";
export * from "./lib/sharedctypes/shared_memory.ts";
export * from "./lib/sharedctypes/shareable_list.ts";
export * from "./lib/logging.ts";
export * from "./lib/sharedctypes/shared_memory_manager.ts";
