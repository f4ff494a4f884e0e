/**
 * The `Pool` API on a cluster: {@linkcode ClusterPool} submits chunks as
 * BullMQ jobs on Redis, and {@linkcode WorkerNode}s (started on each machine
 * with the `cluster/worker` command) run them on local pools. Needs the
 * optional peer dependencies `bullmq` and `ioredis`; the main entry point
 * never loads them.
 *
 * @module
 */
export {
  type ApplyAsyncOptions,
  ClusterPool,
  type ClusterPoolOptions,
  type ImapOptions,
  type MapAsyncOptions,
  type MapOptions,
  type SubmitOptions,
} from "./cluster_pool.ts";
export type { RedisOptions } from "./redis_options.ts";
export { WorkerNode, type WorkerNodeOptions } from "./worker_node.ts";
export {
  AsyncResult,
  type AsyncResultCallbacks,
} from "../pool/async_result.ts";
export { BasePool } from "../pool/base_pool.ts";
