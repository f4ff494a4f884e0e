/**
 * `WorkerNode`: serves a ClusterPool's queue on this machine. A BullMQ
 * worker takes chunk jobs and runs each on a local `Pool`, so CPU-bound
 * tasks run in worker threads and never block BullMQ's lock renewal.
 *
 * @module
 */
import type { Job as BullJob, QueueEvents, Worker } from "bullmq";
import type { RedisOptions } from "./redis_options.ts";
import { bullmq } from "./_bullmq.ts";
import { decodeValue, encodeError, encodeValue } from "./_codec.ts";
import { closeAll, connectionOptions, probe, readyAll } from "./_connect.ts";
import { DEFAULT_QUEUE } from "./_options.ts";
import {
  CANCEL_EVENT,
  type ChunkData,
  type ChunkResult,
  nodeName,
  PROTOCOL_VERSION,
  type WireFunction,
} from "./_protocol.ts";
import { CALL, FAILED, ITEM, MAP, OK } from "../_core/protocol.ts";
import { moduleUrls } from "../_core/function_ref.ts";
import { describe } from "../_core/validate.ts";
import { Pool } from "../pool/pool.ts";
import { cpuCount } from "../current_process.ts";
import { MaybeEncodingError } from "../errors.ts";

/** Options of {@linkcode WorkerNode.start}. */
export interface WorkerNodeOptions {
  /** Redis: a `redis://` or `rediss://` URL, or ioredis options. */
  connection: string | RedisOptions;
  /** The queue to serve. @default "seedmp" */
  queue?: string;
  /** BullMQ's key prefix. @default "bull" */
  prefix?: string;
  /** Local worker threads, and chunks run at once. @default cpuCount() */
  processes?: number;
  /** The allow-list: the only modules whose exports this node runs. @default [] */
  modules?: readonly (string | URL)[];
  /** Also run functions sent as source text (any code a queue writer sends). @default false */
  allowSource?: boolean;
  /** How this node names itself (no spaces). @default "<hostname>/<pid>" */
  id?: string;
  /** BullMQ's job lock duration in ms. @default 30000 */
  lockDuration?: number;
  /** BullMQ's stalled-job check interval in ms. @default 30000 */
  stalledInterval?: number;
  /** How often a chunk may lose its node before it fails. @default 1 */
  maxStalledCount?: number;
  /** How long to wait for Redis at start. @default 5000 */
  connectTimeoutMs?: number;
}

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/**
 * A worker node: takes chunk jobs from the queue until closed.
 *
 * @example Usage
 * ```ts ignore
 * import { WorkerNode } from "@seed/multiprocessing/cluster";
 *
 * const node = await WorkerNode.start({
 *   connection: "redis://127.0.0.1:6379",
 *   modules: [new URL("./tasks.ts", import.meta.url)],
 * });
 * // … later: finish the running chunks, take no new ones.
 * await node.close();
 * ```
 */
export class WorkerNode {
  /** The name this node announces (`seedmp/<protocol>/<processes>/<id>`). */
  readonly name: string;
  #id: string;
  #pool: Pool;
  #worker: Worker | null = null;
  #events: QueueEvents | null = null;
  #allowed: Set<string>;
  #allowSource: boolean;
  #functions = new Map<string, Promise<AnyFunction>>();
  #chunks = 0;
  #closing: Promise<void> | null = null;

  private constructor(options: WorkerNodeOptions, processes: number) {
    this.#id = options.id ?? `node-${crypto.randomUUID().slice(0, 8)}`;
    this.name = nodeName(processes, this.#id);
    this.#allowed = new Set(moduleUrls("start WorkerNode", options.modules));
    this.#allowSource = options.allowSource === true;
    this.#pool = new Pool(processes, { module: [...this.#allowed] });
  }

  /** How many chunks this node has finished. */
  get chunks(): number {
    return this.#chunks;
  }

  /**
   * Imports the allowed modules, connects and starts taking jobs.
   *
   * @param options See {@linkcode WorkerNodeOptions}.
   * @returns The running node.
   * @throws {ProcessError} If Redis does not answer within `connectTimeoutMs`.
   */
  static async start(options: WorkerNodeOptions): Promise<WorkerNode> {
    const processes = options.processes ?? cpuCount();
    const node = new WorkerNode(options, processes);
    try {
      for (const module of node.#allowed) await import(module);
      await node.#connect(options, processes);
    } catch (error) {
      await node.#pool.terminate();
      throw error;
    }
    return node;
  }

  async #connect(options: WorkerNodeOptions, processes: number): Promise<void> {
    await probe(
      "start WorkerNode",
      options.connection,
      options.connectTimeoutMs ?? 5000,
    );
    const { Worker, QueueEvents } = await bullmq();
    const queue = options.queue ?? DEFAULT_QUEUE;
    const base = {
      connection: connectionOptions(options.connection),
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    };
    const events = new QueueEvents(queue, base);
    const worker = new Worker(
      queue,
      (job, _token, signal) => this.#run(job, signal),
      {
        ...base,
        name: this.name,
        concurrency: processes,
        autorun: false,
        lockDuration: options.lockDuration ?? 30_000,
        stalledInterval: options.stalledInterval ?? 30_000,
        maxStalledCount: options.maxStalledCount ?? 1,
      },
    );
    this.#events = events;
    this.#worker = worker;
    await readyAll(
      [worker, events],
      (error) => console.error(`worker node ${this.#id}: ${error.message}`),
    );
    (events as unknown as {
      on(event: string, listener: (args: { jobIds: string }) => void): void;
    }).on(CANCEL_EVENT, ({ jobIds }) => {
      for (const id of String(jobIds).split(",")) {
        worker.cancelJob(id, "the pool cancelled this chunk");
      }
    });
    worker.on("completed", () => this.#chunks++);
    void worker.run();
  }

  /**
   * Takes no new jobs, finishes the running ones, then stops the local pool.
   */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      await this.#worker?.close();
      if (this.#events !== null) await closeAll([this.#events]);
      this.#pool.close();
      await this.#pool.join();
    })();
  }

  async #run(job: BullJob, signal?: AbortSignal): Promise<ChunkResult> {
    const data = job.data as ChunkData;
    const { UnrecoverableError } = await bullmq();
    const refuse = (why: string) =>
      new UnrecoverableError(
        `Cannot run cluster job ${job.id} on node ${this.#id}: ${why}`,
      );
    if (data?.v !== PROTOCOL_VERSION) {
      throw refuse(
        `protocol version mismatch, the driver speaks ${data?.v}, this node speaks ${PROTOCOL_VERSION}; run the same version of @seed/multiprocessing on both`,
      );
    }
    const fn = await this.#function(data.fn, refuse);
    let args: unknown;
    try {
      args = decodeValue(data.payload);
    } catch (error) {
      throw refuse(`its data cannot be decoded (${(error as Error).message})`);
    }
    let value: unknown;
    try {
      value = await this.#call(fn, data.kind, args, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      return { status: FAILED, value: encodeError(error) };
    }
    try {
      return { status: OK, value: encodeValue("the result", value) };
    } catch (error) {
      return {
        status: FAILED,
        value: encodeError(
          new MaybeEncodingError(
            `Cannot send the result back from node ${this.#id}: ${
              (error as Error).message
            }`,
            { exc: (error as Error).message, value: describe(value) },
          ),
        ),
      };
    }
  }

  #call(
    fn: AnyFunction,
    kind: number,
    args: unknown,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const pool = this.#pool;
    if (kind === CALL) return pool.apply(fn, args as unknown[], { signal });
    if (kind === ITEM) return pool.apply(fn, [args], { signal });
    const items = args as unknown[];
    const options = { chunksize: Math.max(1, items.length), signal };
    return kind === MAP
      ? pool.map(fn, items, options)
      : pool.starmap(fn, items as unknown[][], options);
  }

  /** The function `ref` names: an export of an allowed module, or source text if allowed. */
  #function(
    ref: WireFunction,
    refuse: (why: string) => Error,
  ): Promise<AnyFunction> {
    const key = ref.modules.join("\n") + "\n" + ref.source;
    let fn = this.#functions.get(key);
    if (fn === undefined) {
      fn = this.#find(ref, refuse);
      fn.catch(() => this.#functions.delete(key));
      this.#functions.set(key, fn);
    }
    return fn;
  }

  async #find(
    ref: WireFunction,
    refuse: (why: string) => Error,
  ): Promise<AnyFunction> {
    const refused = ref.modules.filter((module) => !this.#allowed.has(module));
    for (const module of ref.modules) {
      if (refused.includes(module)) continue;
      let exports: Record<string, unknown>;
      try {
        exports = await import(module);
      } catch (error) {
        throw refuse(
          `module "${module}" cannot be imported (${(error as Error).message})`,
        );
      }
      const found = exportWithSource(exports, ref);
      if (found !== undefined) return found;
    }
    if (refused.length > 0) {
      throw refuse(
        `module "${refused[0]}" is not on this node's allow-list (${
          [...this.#allowed].join(", ") || "empty"
        }); start the node with the module on its command line`,
      );
    }
    if (!this.#allowSource) {
      throw refuse(
        `function "${ref.name}" was sent as source text, which this node runs only when started with --allow-source; or export it from a module listed in the pool's "module" option and on the node's allow-list`,
      );
    }
    return fromSource(ref.source);
  }
}

/**
 * The export `ref` names: the export of that name with that source, else
 * one with that source (an alias), else the export of that name (Deno and
 * Bun print the source of a transpiled TypeScript function differently).
 */
function exportWithSource(
  exports: Record<string, unknown>,
  ref: WireFunction,
): AnyFunction | undefined {
  const same = (value: unknown) =>
    typeof value === "function" &&
    Function.prototype.toString.call(value) === ref.source;
  const named = exports[ref.name];
  if (same(named)) return named as AnyFunction;
  const alias = Object.values(exports).find(same) as AnyFunction | undefined;
  if (alias !== undefined) return alias;
  return typeof named === "function" ? named as AnyFunction : undefined;
}

/** A function from source text, whose own source stays that text. */
function fromSource(source: string): AnyFunction {
  try {
    return new Function(`return (${source});`)();
  } catch {
    // A method (`f() {}`, `async f() {}`) is not an expression.
    const method = source.startsWith("async ")
      ? `async function ${source.slice(6)}`
      : `function ${source}`;
    return new Function(`return (${method});`)();
  }
}
