// The jobs behind `apply` and `map`: collect task results into one
// AsyncResult. (imap's job is in _imap.ts.)
import { type AsyncResult, settle } from "./async_result.ts";
import { chunkItems } from "./_numbers.ts";

/** What a submission (apply, map, imap) must do when its tasks finish. */
export interface Job {
  /** True once the job needs no more results: its queued tasks are dropped. */
  readonly done: boolean;
  resolveTask(index: number, value: unknown): void;
  rejectTask(index: number, error: unknown): void;
  /** Ends the job at once with `reason`; later results are ignored. */
  abort(reason: unknown): void;
}

/**
 * An `apply` (one task, `length` -1) or a `map` over `length` items in
 * chunks of `chunksize`, settling one AsyncResult. As in Python, a failed
 * map settles with its first error once all its tasks have finished.
 */
export class ResultJob<R> implements Job {
  done = false;
  readonly result: AsyncResult<R>;
  #values: unknown[] | null;
  #value: unknown = undefined;
  #failure: { error: unknown } | null = null;
  #remaining: number;
  #chunksize: number;
  #onDone: (job: Job) => void;

  /** A map of nothing is done at once, without calling `onDone`. */
  constructor(
    result: AsyncResult<R>,
    length: number,
    chunksize: number,
    onDone: (job: Job) => void,
  ) {
    this.result = result;
    this.#values = length < 0 ? null : new globalThis.Array(length);
    this.#remaining = length < 0 ? 1 : Math.ceil(length / chunksize);
    this.#chunksize = chunksize;
    this.#onDone = onDone;
    if (this.#remaining === 0) {
      this.done = true;
      settle(this.result, true, this.#values);
    }
  }

  resolveTask(index: number, value: unknown): void {
    const values = this.#values;
    if (this.#failure !== null) { /* only the first error counts */ }
    else if (values === null) this.#value = value;
    else if (this.#chunksize === 1) values[index] = value;
    else {
      const chunk = chunkItems(value);
      const start = index * this.#chunksize;
      for (let i = 0; i < chunk.length; i++) values[start + i] = chunk[i];
    }
    if (--this.#remaining === 0) this.#settle();
  }

  rejectTask(_index: number, error: unknown): void {
    this.#failure ??= { error };
    if (--this.#remaining === 0) this.#settle();
  }

  abort(reason: unknown): void {
    this.#failure = { error: reason };
    this.#settle();
  }

  #settle(): void {
    if (this.done) return;
    this.done = true;
    this.#onDone(this);
    const failure = this.#failure;
    if (failure !== null) settle(this.result, false, failure.error);
    else settle(this.result, true, this.#values ?? this.#value);
  }
}

/**
 * Counts the jobs a pool has not finished, and holds their abort listeners.
 * Jobs are not kept in a set (that costs more than a tiny task): the
 * dispatcher finds those with tasks pending, and only jobs that may have
 * none while unfinished (imap, between pulls) are listed here.
 */
export class JobSet {
  #count = 0;
  #listed = new Set<Job>();
  #listeners = new Map<Job, () => void>();
  #idle: (() => void)[] = [];
  #stop: (job: Job) => void;
  /** Pass to each job: it calls this once it is done. */
  readonly onDone = (job: Job): void => this.#finished(job);

  /** `stop` halts the running tasks of an aborted job. */
  constructor(stop: (job: Job) => void) {
    this.#stop = stop;
  }

  /**
   * Tracks `job` (`listed` if it may be unfinished without pending tasks);
   * returns false when `signal` has already aborted it.
   */
  track(job: Job, signal: AbortSignal | undefined, listed = false): boolean {
    if (signal?.aborted) {
      job.abort(signal.reason);
      return false;
    }
    this.#count++;
    if (listed) this.#listed.add(job);
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
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Ends with `error` the listed jobs and `pending` (the dispatcher's). */
  abortAll(error: unknown, pending: Iterable<Job>): void {
    for (const job of [...this.#listed, ...pending]) job.abort(error);
  }

  #finished(job: Job): void {
    this.#count--;
    if (this.#listed.size > 0) this.#listed.delete(job);
    if (this.#listeners.size > 0) {
      this.#listeners.get(job)?.();
      this.#listeners.delete(job);
    }
    if (this.#count > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
