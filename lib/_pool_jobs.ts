// The jobs behind `apply` and `map`: collect task results into one
// AsyncResult. (imap's job is in _imap.ts.)
import { type AsyncResult, settle } from "./async_result.ts";
import type { Job } from "./_pool_dispatch.ts";

/** A job the pool tracks until it is done, and can abort or terminate. */
export interface PoolJob extends Job {
  /** Ends the job at once with `reason`; later results are ignored. */
  abort(reason: unknown): void;
}

/**
 * An `apply` (one task, `length` -1) or a `map` over `length` items in
 * chunks of `chunksize`, settling one AsyncResult.
 */
export class ResultJob<R> implements PoolJob {
  done = false;
  readonly result: AsyncResult<R>;
  #values: unknown[] | null;
  #remaining: number;
  #chunksize: number;
  #onDone: (job: PoolJob) => void;

  constructor(
    result: AsyncResult<R>,
    length: number,
    chunksize: number,
    onDone: (job: PoolJob) => void,
  ) {
    this.result = result;
    this.#values = length < 0 ? null : new globalThis.Array(length);
    this.#remaining = length < 0 ? 1 : Math.ceil(length / chunksize);
    this.#chunksize = chunksize;
    this.#onDone = onDone;
    if (this.#remaining === 0) this.#finish(true, this.#values);
  }

  resolveTask(index: number, value: unknown): void {
    const values = this.#values;
    if (values === null) return this.#finish(true, value);
    if (this.#chunksize === 1) values[index] = value;
    else {
      const chunk = value as unknown[];
      const start = index * this.#chunksize;
      for (let i = 0; i < chunk.length; i++) values[start + i] = chunk[i];
    }
    if (--this.#remaining === 0) this.#finish(true, values);
  }

  rejectTask(_index: number, error: unknown): void {
    this.#finish(false, error);
  }

  abort(reason: unknown): void {
    this.#finish(false, reason);
  }

  #finish(ok: boolean, value: unknown): void {
    if (this.done) return;
    this.done = true;
    this.#onDone(this);
    settle(this.result, ok, value);
  }
}

/** The jobs a pool has not finished, with their abort listeners. */
export class JobSet {
  #jobs = new Set<PoolJob>();
  #listeners = new Map<PoolJob, () => void>();
  #idle: (() => void)[] = [];
  #stop: (job: PoolJob) => void;
  /** Pass to each job: it calls this once it is done. */
  readonly onDone = (job: PoolJob): void => this.#finished(job);

  /** `stop` halts the running tasks of an aborted job. */
  constructor(stop: (job: PoolJob) => void) {
    this.#stop = stop;
  }

  /** Tracks `job`; returns false when `signal` has already aborted it. */
  track(job: PoolJob, signal: AbortSignal | undefined): boolean {
    if (signal?.aborted) {
      job.abort(signal.reason);
      return false;
    }
    this.#jobs.add(job);
    if (signal !== undefined) {
      const onAbort = () => {
        job.abort(signal.reason);
        this.#stop(job);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#listeners.set(
        job,
        () => signal.removeEventListener("abort", onAbort),
      );
    }
    return true;
  }

  /** Resolves once every tracked job is done. */
  drained(): Promise<void> {
    if (this.#jobs.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Ends every job with `error`. */
  abortAll(error: unknown): void {
    for (const job of [...this.#jobs]) job.abort(error);
  }

  #finished(job: PoolJob): void {
    this.#jobs.delete(job);
    this.#listeners.get(job)?.();
    this.#listeners.delete(job);
    if (this.#jobs.size > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
