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
export * from "./lib/array.ts";
export * from "./lib/barrier.ts";
export * from "./lib/condition.ts";
export * from "./lib/errors.ts";
export * from "./lib/event.ts";
export * from "./lib/lock.ts";
export * from "./lib/process.ts";
export { AsyncResult, type AsyncResultCallbacks } from "./lib/async_result.ts";
export * from "./lib/pool.ts";
export * from "./lib/pipe.ts";
export * from "./lib/queue.ts";
export * from "./lib/semaphore.ts";
export type {
  IntegerTypecode,
  Typecode,
  TypecodeValue,
  TypedArrayOf,
} from "./lib/typecodes.ts";
export * from "./lib/value.ts";
export * from "./lib/manager.ts";
export * from "./lib/proxy.ts";
export * from "./lib/sync_manager.ts";
export * from "./lib/sync_proxy.ts";
export * from "./lib/value_proxy.ts";
