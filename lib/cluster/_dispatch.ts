// The driver half of a ClusterPool: chunks become BullMQ jobs on one queue;
// results come back as job return values. QueueEvents tells us when a job
// finished, but events can be trimmed or missed, so a sweep asks Redis for
// the state of the oldest outstanding jobs every second and reads the return
// value of any that finished. The driver removes each job once it has its
// result, so a closed pool leaves no keys behind.
import type {
  Job as BullJob,
  Queue,
  QueueEvents,
  QueueEventsProducer,
} from "bullmq";
import { bullmq } from "./_bullmq.ts";
import {
  closeAll,
  connectionOptions,
  probe,
  readyAll,
  type RedisConnection,
} from "./_connect.ts";
import { decodeError, decodeValue, type Encoded } from "./_codec.ts";
import {
  CANCEL_EVENT,
  CHUNK_JOB,
  type ChunkData,
  type ChunkResult,
  parseNodeName,
  PROTOCOL_VERSION,
  type WireFunction,
} from "./_protocol.ts";
import { OK } from "../_core/protocol.ts";
import type { Job } from "../pool/_jobs.ts";
import { ProcessError, WorkerExitError } from "../errors.ts";

/** How often the driver checks outstanding jobs and its Redis connection. */
export const SWEEP_MS = 1000;
/** At most this many outstanding jobs are checked per sweep (oldest first). */
const SWEEP_JOBS = 64;
/** Kept this long if the driver never collects them (it normally removes them at once). */
const KEEP_SECONDS = 3600;
/** How long the live nodes' worker count is cached. */
const NODES_TTL_MS = 2000;

/** What a dispatcher needs to start. */
export interface DispatcherOptions {
  connection: RedisConnection;
  queue: string;
  prefix: string | undefined;
  connectTimeoutMs: number;
  lostTimeoutMs: number;
}

interface Task {
  readonly job: Job;
  readonly index: number;
  readonly submitted: number;
}

interface Pending {
  readonly id: string;
  readonly data: ChunkData;
}

/** A started driver: one Queue, one QueueEvents, one producer of cancel events. */
export class ClusterDispatcher {
  #queue: Queue;
  #events: QueueEvents;
  #producer: QueueEventsProducer;
  #lostTimeoutMs: number;
  #poolId = crypto.randomUUID();
  #seq = 0;
  #tasks = new Map<string, Task>();
  #batch: Pending[] = [];
  #flushing = false;
  #sweeper: ReturnType<typeof setInterval>;
  #sweeping = false;
  #lastAnswer = Date.now();
  #nodes: { at: number; processes: Promise<number> } | null = null;
  #closed = false;
  #lostRedis = false;
  #idle: (() => void)[] = [];
  #removals = new Set<Promise<unknown>>();

  private constructor(
    queue: Queue,
    events: QueueEvents,
    producer: QueueEventsProducer,
    lostTimeoutMs: number,
  ) {
    this.#queue = queue;
    this.#events = events;
    this.#producer = producer;
    this.#lostTimeoutMs = lostTimeoutMs;
    events.on(
      "completed",
      ({ jobId, returnvalue }) =>
        this.#completed(jobId, returnvalue as unknown as ChunkResult),
    );
    events.on(
      "failed",
      ({ jobId, failedReason }) => void this.#failed(jobId, failedReason),
    );
    this.#sweeper = setInterval(() => void this.#sweep(), SWEEP_MS);
  }

  /** Connects to Redis and checks the protocol version of the live nodes. */
  static async start(options: DispatcherOptions): Promise<ClusterDispatcher> {
    await probe(
      "start ClusterPool",
      options.connection,
      options.connectTimeoutMs,
    );
    const { Queue, QueueEvents, QueueEventsProducer } = await bullmq();
    const base = {
      connection: connectionOptions(options.connection),
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    };
    const queue = new Queue(options.queue, base);
    const events = new QueueEvents(options.queue, base);
    const producer = new QueueEventsProducer(options.queue, base);
    // ioredis reconnects by itself; the sweep notices a Redis that stays away.
    await readyAll([queue, events, producer], () => {});
    const dispatcher = new ClusterDispatcher(
      queue,
      events,
      producer,
      options.lostTimeoutMs,
    );
    try {
      await dispatcher.processes();
    } catch (error) {
      await dispatcher.close();
      throw error;
    }
    return dispatcher;
  }

  /**
   * The live nodes' total worker count (at least 1), cached briefly.
   * Rejects when a node speaks another protocol version.
   */
  processes(): Promise<number> {
    const now = Date.now();
    if (this.#nodes === null || now - this.#nodes.at > NODES_TTL_MS) {
      this.#nodes = { at: now, processes: this.#countNodes() };
      this.#nodes.processes.catch(() => this.#nodes = null);
    }
    return this.#nodes.processes;
  }

  async #countNodes(): Promise<number> {
    let total = 0;
    for (const worker of await this.#queue.getWorkers()) {
      const node = parseNodeName(String(worker.rawname ?? ""));
      if (node === null) continue;
      if (node.version !== PROTOCOL_VERSION) {
        throw new ProcessError(
          `Cannot use the cluster queue "${this.#queue.name}": node ${node.id} speaks protocol version ${node.version}, this driver speaks ${PROTOCOL_VERSION}; run the same version of @seed/multiprocessing on both`,
        );
      }
      total += node.processes;
    }
    return Math.max(1, total);
  }

  /** Queues chunk `index` of `job` as a BullMQ job. */
  submit(
    job: Job,
    index: number,
    fn: WireFunction,
    kind: number,
    payload: Encoded,
  ): void {
    if (this.#closed) {
      job.rejectTask(index, new ProcessError("Pool not running"));
      return;
    }
    const id = `${this.#poolId}-${this.#seq++}`;
    this.#tasks.set(id, { job, index, submitted: Date.now() });
    this.#batch.push({ id, data: { v: PROTOCOL_VERSION, fn, kind, payload } });
    if (!this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    this.#flushing = false;
    const keep = { age: KEEP_SECONDS };
    try {
      await this.#queue.addBulk(batch.map(({ id, data }) => ({
        name: CHUNK_JOB,
        data,
        opts: { jobId: id, removeOnComplete: keep, removeOnFail: keep },
      })));
      this.#lastAnswer = Date.now();
    } catch (error) {
      const failure = new ProcessError(
        `Cannot submit chunks to the cluster queue "${this.#queue.name}": ${
          (error as Error).message
        }`,
        { cause: error },
      );
      for (const { id } of batch) this.#settle(id, false, failure);
    }
  }

  /** Removes `job`'s waiting chunks and asks nodes to cancel its running ones. */
  stop(job: Job): void {
    const ids: string[] = [];
    for (const [id, task] of this.#tasks) if (task.job === job) ids.push(id);
    void this.#cancel(ids);
  }

  async #cancel(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const running: string[] = [];
    await Promise.all(ids.map(async (id) => {
      // `remove` refuses a job that a node holds the lock of.
      const removed = await this.#queue.remove(id).catch(() => 0);
      if (removed === 1) this.#forget(id);
      else running.push(id);
    }));
    if (running.length === 0) return;
    await this.#producer.publishEvent({
      eventName: CANCEL_EVENT,
      jobIds: running.join(","),
    }).catch(() => {});
  }

  /** The jobs that still have chunks outstanding. */
  pendingJobs(): Set<Job> {
    const jobs = new Set<Job>();
    for (const task of this.#tasks.values()) jobs.add(task.job);
    return jobs;
  }

  /** Resolves once no chunk is outstanding (each was collected from Redis). */
  idle(): Promise<void> {
    if (this.#tasks.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #forget(id: string): void {
    this.#tasks.delete(id);
    if (this.#tasks.size === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** Cancels every outstanding chunk, then disconnects. */
  async terminate(): Promise<void> {
    if (!this.#lostRedis) {
      await withTimeout(this.#cancel([...this.#tasks.keys()]), 2 * SWEEP_MS)
        .catch(() => {});
    }
    // Cancelled chunks report back quickly; collect (and remove) them.
    const deadline = Date.now() + 2 * SWEEP_MS;
    while (this.#tasks.size > 0 && !this.#lostRedis && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.close();
  }

  /** Disconnects from Redis. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    await withTimeout(Promise.allSettled([...this.#removals]), 2 * SWEEP_MS)
      .catch(() => {});
    await closeAll([this.#events, this.#producer, this.#queue]);
  }

  #completed(id: string, result: ChunkResult): void {
    if (!this.#tasks.has(id)) return;
    let ok = result?.status === OK;
    let value: unknown;
    try {
      value = ok ? decodeValue(result.value) : decodeError(result.value);
    } catch (error) {
      ok = false;
      value = new ProcessError(
        `Cannot read the result of cluster job ${id}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    this.#settle(id, ok, value);
  }

  async #failed(id: string, reason: string, known?: BullJob): Promise<void> {
    if (!this.#tasks.has(id)) return;
    let error: Error;
    if (/stalled more than allowable limit/.test(reason)) {
      const job = known ?? await this.#queue.getJob(id).catch(() => undefined);
      error = new WorkerExitError(
        `Cannot finish a chunk on the cluster: the worker node running it died ${
          job?.stalledCounter || 1
        } time(s), then BullMQ gave up (${reason}); last node: ${
          job?.processedBy ?? "unknown"
        }`,
        -1,
      );
    } else {
      error = new ProcessError(reason);
    }
    this.#settle(id, false, error);
  }

  #settle(id: string, ok: boolean, value: unknown): void {
    const task = this.#tasks.get(id);
    if (task === undefined) return;
    this.#forget(id);
    const removal: Promise<unknown> = this.#queue.remove(id).catch(() => {})
      .finally(() => this.#removals.delete(removal));
    this.#removals.add(removal);
    if (task.job.done) return;
    if (ok) task.job.resolveTask(task.index, value);
    else task.job.rejectTask(task.index, value);
  }

  /** Reads what events did not bring, and notices a lost Redis. */
  async #sweep(): Promise<void> {
    if (this.#sweeping || this.#tasks.size === 0) return;
    this.#sweeping = true;
    try {
      const ids = [...this.#tasks.keys()].slice(0, SWEEP_JOBS);
      const states = await withTimeout(
        Promise.all(ids.map((id) => this.#queue.getJobState(id))),
        SWEEP_MS,
      );
      this.#lastAnswer = Date.now();
      await Promise.all(ids.map(async (id, i) => {
        if (states[i] === "completed" || states[i] === "failed") {
          const job = await this.#queue.getJob(id);
          if (job === undefined) return;
          if (states[i] === "completed") this.#completed(id, job.returnvalue);
          else await this.#failed(id, job.failedReason, job);
        } else if (states[i] === "unknown" && this.#tasks.has(id)) {
          const task = this.#tasks.get(id)!;
          if (Date.now() - task.submitted > SWEEP_MS) {
            this.#settle(
              id,
              false,
              new ProcessError(
                `Cannot finish a chunk on the cluster: its job ${id} vanished from the queue "${this.#queue.name}" (was the queue obliterated?)`,
              ),
            );
          }
        }
      }));
    } catch {
      if (Date.now() - this.#lastAnswer > this.#lostTimeoutMs) this.#lost();
    } finally {
      this.#sweeping = false;
    }
  }

  #lost(): void {
    this.#lostRedis = true;
    const error = new ProcessError(
      `Cannot finish task: lost the connection to Redis (no answer for ${this.#lostTimeoutMs} ms)`,
    );
    for (const id of [...this.#tasks.keys()]) this.#settle(id, false, error);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      timer = setTimeout(() => reject(new Error("timed out")), ms)
    ),
  ]).finally(() => clearTimeout(timer));
}
