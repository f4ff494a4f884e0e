/**
 * `ClusterPool`: the `Pool` API over worker nodes on many machines,
 * coordinated by BullMQ on Redis (like Ray's `ray.util.multiprocessing.Pool`).
 *
 * @module
 */
import { ClusterDispatcher } from "./_dispatch.ts";
import {
  encodeChunk,
  parseClusterOptions,
  type ParsedClusterOptions,
} from "./_options.ts";
import type { WireFunction } from "./_protocol.ts";
import type { Encoded } from "./_codec.ts";
import { functionRef } from "../_core/function_ref.ts";
import { CALL, ITEM, MAP, STARMAP } from "../_core/protocol.ts";
import { optionsObject, positiveInteger } from "../_core/validate.ts";
import { ImapJob } from "../pool/_imap.ts";
import { JobSet, ResultJob } from "../pool/_jobs.ts";
import type { Job } from "../pool/_jobs.ts";
import {
  APPLY_ASYNC_OPTIONS,
  argsOf,
  callbacks,
  checkLazyItems,
  checkSignal,
  imapChunksize,
  itemsOf,
  MAP_ASYNC_OPTIONS,
  MAP_OPTIONS,
  mapChunksize,
} from "../pool/_options.ts";
import {
  APPLY_HOOK,
  CLOSE,
  IMAP_CHUNKS_PER_WORKER,
  IMAP_HOOK,
  MAP_HOOK,
  RUN,
  TERMINATE,
} from "../pool/_hooks.ts";
import { BasePool } from "../pool/base_pool.ts";
import { AsyncResult, settle } from "../pool/async_result.ts";
import type {
  ApplyAsyncOptions,
  ImapOptions,
  MapAsyncOptions,
  MapOptions,
  SubmitOptions,
} from "../pool/pool.ts";
import { ProcessError } from "../errors.ts";
import type { ClusterPoolOptions } from "./cluster_pool_options.ts";

export type {
  ApplyAsyncOptions,
  ClusterPoolOptions,
  ImapOptions,
  MapAsyncOptions,
  MapOptions,
  SubmitOptions,
};

/**
 * A pool whose tasks run on worker nodes (`cluster/worker`) anywhere that
 * reaches the same Redis. Chunks are BullMQ jobs: a node that dies loses
 * nothing (its chunks run again elsewhere: at-least-once).
 *
 * @example Usage
 * ```ts ignore
 * import { ClusterPool } from "@seed/multiprocessing/cluster";
 * import { square } from "./tasks.ts";
 *
 * await using pool = await ClusterPool.connect({
 *   connection: "redis://127.0.0.1:6379",
 *   module: new URL("./tasks.ts", import.meta.url),
 * });
 * console.log(await pool.map(square, [1, 2, 3])); // [1, 4, 9]
 * ```
 */
export class ClusterPool extends BasePool {
  #options: ParsedClusterOptions;
  #dispatcher: Promise<ClusterDispatcher>;
  #connected: ClusterDispatcher | null = null;
  #state = RUN;
  #fns = new WeakMap<object, WireFunction>();
  #jobs = new JobSet((job) => this.#connected?.stop(job));
  #starting = new Set<Promise<void>>();
  #ended: Promise<void> | null = null;

  /**
   * Connects to Redis in the background; see {@linkcode ClusterPool.connect}
   * to wait for it.
   *
   * @param options See {@linkcode ClusterPoolOptions}; `connection` is required.
   * @throws {TypeError} If an option is unknown or of the wrong type.
   */
  constructor(options: ClusterPoolOptions) {
    super();
    this.#options = parseClusterOptions(options);
    this.#dispatcher = ClusterDispatcher.start(this.#options);
    this.#dispatcher.then((d) => this.#connected = d, () => {});
  }

  /**
   * Creates a pool and waits until it is connected.
   *
   * @param options See {@linkcode ClusterPoolOptions}.
   * @returns The connected pool.
   * @throws {ProcessError} If Redis does not answer within `connectTimeoutMs`,
   * or a node speaks another protocol version.
   */
  static async connect(options: ClusterPoolOptions): Promise<ClusterPool> {
    const pool = new ClusterPool(options);
    await pool.ready();
    return pool;
  }

  /**
   * Resolves once connected to Redis.
   *
   * @throws {ProcessError} If Redis does not answer within `connectTimeoutMs`.
   */
  async ready(): Promise<void> {
    await this.#dispatcher;
  }

  /** Accepts no more work. */
  close(): void {
    if (this.#state === RUN) this.#state = CLOSE;
  }

  /**
   * Waits until every submitted chunk has finished and been collected from
   * Redis, then disconnects.
   *
   * @throws {ProcessError} If the pool is still running.
   */
  async join(): Promise<void> {
    if (this.#state === RUN) {
      throw new ProcessError(
        "Cannot join pool: it is still running, call close() or terminate() first",
      );
    }
    if (this.#state === TERMINATE) return await this.terminate();
    while (this.#starting.size > 0) await Promise.all(this.#starting);
    await this.#jobs.drained();
    const dispatcher = await this.#dispatcher.catch(() => null);
    await dispatcher?.idle();
    await (this.#ended ??= dispatcher?.close() ?? Promise.resolve());
  }

  /**
   * Rejects pending work with a `ProcessError`, removes the pool's waiting
   * chunks, asks nodes to cancel its running ones, and disconnects.
   */
  terminate(): Promise<void> {
    this.#state = TERMINATE;
    this.#jobs.abortAll(
      new ProcessError("Cannot finish task: the pool was terminated"),
      this.#connected?.pendingJobs() ?? [],
    );
    return this.#ended ??= this.#dispatcher.then(
      (dispatcher) => dispatcher.terminate(),
      () => {},
    );
  }

  #running(): void {
    if (this.#state !== RUN) throw new ProcessError("Pool not running");
  }

  #wire(what: string, fn: unknown): WireFunction {
    // Reading a function's source costs more than a small chunk.
    let wire = this.#fns.get(fn as object);
    if (wire === undefined) {
      wire = functionRef(what, "fn", fn, this.#options.modules);
      this.#fns.set(fn as object, wire);
    }
    return wire;
  }

  #checkNotTerminated(): void {
    if (this.#state === TERMINATE) {
      throw new ProcessError("Cannot finish task: the pool was terminated");
    }
  }

  /** Runs `body` once connected; a failure ends the submission with it. */
  #start(
    fail: (error: unknown) => void,
    body: (dispatcher: ClusterDispatcher) => void | Promise<void>,
  ): void {
    const started: Promise<void> = this.#dispatcher
      .then((dispatcher) => {
        this.#checkNotTerminated();
        return body(dispatcher);
      })
      .catch(fail)
      .finally(() => this.#starting.delete(started));
    this.#starting.add(started);
  }

  /** @ignore */
  protected override [MAP_HOOK]<R>(
    what: string,
    kind: typeof MAP | typeof STARMAP,
    fn: (...args: never[]) => R,
    iterable: Iterable<unknown>,
    options: MapAsyncOptions<Awaited<R>[]> | undefined,
    known: readonly string[] = MAP_ASYNC_OPTIONS,
  ): AsyncResult<Awaited<R>[]> {
    const opts = optionsObject(what, options, known);
    this.#running();
    const wire = this.#wire(what, fn);
    const items = itemsOf(what, iterable, kind === STARMAP);
    const given = opts.chunksize === undefined
      ? undefined
      : positiveInteger(what, "chunksize", opts.chunksize);
    const signal = checkSignal(what, opts);
    const result = new AsyncResult(callbacks(what, opts));
    if (items.length === 0) {
      // ResultJob would finish before JobSet tracks it (and count -1).
      settle(result, true, []);
      return result;
    }
    this.#start((error) => settle(result, false, error), async (dispatcher) => {
      const processes = this.#options.processes ??
        (given === undefined ? await dispatcher.processes() : 1);
      this.#checkNotTerminated(); // terminate() came while counting nodes
      const chunksize = mapChunksize(what, given, items.length, processes);
      const job = new ResultJob(
        result,
        items.length,
        chunksize,
        this.#jobs.onDone,
      );
      if (job.done || !this.#jobs.track(job, signal)) return;
      const single = chunksize === 1 ? (kind === MAP ? ITEM : CALL) : kind;
      for (let i = 0, start = 0; start < items.length; i++) {
        const chunk = items.slice(start, start + chunksize);
        let payload: Encoded;
        try {
          payload = encodeChunk(
            "iterable",
            chunk,
            start,
            single === kind ? chunk : chunk[0],
          );
        } catch (error) {
          return job.rejectTask(i, error);
        }
        dispatcher.submit(job, i, wire, single, payload);
        start += chunksize;
      }
    });
    return result;
  }

  /** @ignore */
  protected override [APPLY_HOOK]<R>(
    what: string,
    fn: unknown,
    args: unknown[] | undefined,
    options: ApplyAsyncOptions<Awaited<R>> | undefined,
    known: readonly string[] = APPLY_ASYNC_OPTIONS,
  ): AsyncResult<Awaited<R>> {
    const opts = optionsObject(what, options, known);
    this.#running();
    const wire = this.#wire(what, fn);
    const list = argsOf(what, args);
    const signal = checkSignal(what, opts);
    const result = new AsyncResult(callbacks(what, opts));
    this.#start((error) => settle(result, false, error), (dispatcher) => {
      const job = new ResultJob(result, -1, 1, this.#jobs.onDone);
      if (!this.#jobs.track(job, signal)) return;
      let payload: Encoded;
      try {
        payload = encodeChunk("args", list, 0);
      } catch (error) {
        return job.rejectTask(0, error);
      }
      dispatcher.submit(job, 0, wire, CALL, payload);
    });
    return result;
  }

  /** @ignore */
  protected override [IMAP_HOOK]<R>(
    what: string,
    ordered: boolean,
    fn: (...args: never[]) => R,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    options: ImapOptions | undefined,
  ): AsyncIterableIterator<Awaited<R>> {
    const opts = optionsObject(what, options, MAP_OPTIONS);
    this.#running();
    const wire = this.#wire(what, fn);
    checkLazyItems(what, iterable);
    const chunksize = imapChunksize(what, opts.chunksize);
    const signal = checkSignal(what, opts);
    let submit: (
      job: Job,
      index: number,
      start: number,
      items: unknown[],
    ) => void;
    const job = new ImapJob<Awaited<R>>(
      iterable,
      (job, index, start, items) => submit(job, index, start, items),
      {
        chunksize,
        ordered,
        limit: IMAP_CHUNKS_PER_WORKER,
        onDone: this.#jobs.onDone,
      },
    );
    this.#start((error) => job.abort(error), async (dispatcher) => {
      const processes = this.#options.processes ??
        await dispatcher.processes();
      this.#checkNotTerminated(); // terminate() came while counting nodes
      const kind = chunksize === 1 ? ITEM : MAP;
      submit = (job, index, start, items) => {
        let payload: Encoded;
        try {
          payload = encodeChunk(
            "iterable",
            items,
            start,
            chunksize === 1 ? items[0] : items,
          );
        } catch (error) {
          return job.rejectTask(index, error);
        }
        dispatcher.submit(job, index, wire, kind, payload);
      };
      if (this.#jobs.track(job, signal, true)) {
        job.start(IMAP_CHUNKS_PER_WORKER * processes);
      }
    });
    return job;
  }
}
