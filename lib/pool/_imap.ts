// The job behind `imap` and `imapUnordered`: pulls its input lazily, keeps a
// bounded number of chunks in flight and of results unconsumed, and hands
// results out as an async iterator (in input order, or as they arrive).
import type { Job } from "./_jobs.ts";
import type { Keeper } from "./_keepalive.ts";

/** Submits chunk `index` (items starting at input position `start`). */
export type SubmitChunk = (
  job: Job,
  index: number,
  start: number,
  items: unknown[],
) => void;

/** A failed chunk, or the input failing, as it waits in the result queue. */
class Failure {
  constructor(readonly error: unknown) {}
}

interface Waiter<R> {
  resolve(result: IteratorResult<R>): void;
  reject(error: unknown): void;
}

/** An `imap` in progress: a pool job and the iterator its caller reads. */
export class ImapJob<R> implements Job, AsyncIterableIterator<R> {
  done = false;
  #submit: SubmitChunk;
  #iterator: Iterator<unknown> | AsyncIterator<unknown>;
  #async: boolean;
  #chunksize: number;
  #ordered: boolean;
  #limit: number;
  #onDone: (job: Job) => void;
  #ready: unknown[] = [];
  #readyHead = 0;
  /** Ordered only: chunks that arrived before those ahead of them. */
  #early = new Map<number, unknown>();
  #nextChunk = 0;
  #submitted = 0;
  #finished = 0;
  #exhausted = false;
  #pulling = false;
  /** The input's error, held until the chunks pulled before it finished. */
  #inputFailure: { index: number; error: unknown } | null = null;
  #waiters: Waiter<R>[] = [];
  /** Its pool's, held while a `next()` waits. */
  #keeper: Keeper | undefined;
  #holding = false;

  constructor(
    source: Iterable<unknown> | AsyncIterable<unknown>,
    submit: SubmitChunk,
    options: {
      chunksize: number;
      ordered: boolean;
      limit: number;
      onDone: (job: Job) => void;
      /** Its pool's (none for a ThreadPool: no workers to keep). */
      keeper?: Keeper;
    },
  ) {
    this.#keeper = options.keeper;
    this.#async =
      typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] ===
        "function";
    this.#iterator = this.#async
      ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (source as Iterable<unknown>)[Symbol.iterator]();
    this.#submit = submit;
    this.#chunksize = options.chunksize;
    this.#ordered = options.ordered;
    this.#limit = options.limit;
    this.#onDone = options.onDone;
  }

  /**
   * Starts pulling input and submitting chunks; `limit` replaces the bound
   * given at construction (a ClusterPool learns its nodes' size only once
   * connected).
   */
  start(limit = this.#limit): void {
    this.#limit = limit;
    this.#feed();
  }

  resolveTask(index: number, value: unknown): void {
    this.#finished++;
    this.#arrive(index, value);
    this.#arriveInputFailure();
  }

  rejectTask(index: number, error: unknown): void {
    this.#finished++;
    this.#arrive(index, new Failure(error));
    this.#arriveInputFailure();
  }

  abort(reason: unknown): void {
    if (this.done) return;
    this.#end();
    this.#ready = [new Failure(reason)];
    this.#wake();
  }

  next(): Promise<IteratorResult<R>> {
    if (this.#readyHead < this.#ready.length) {
      const item = this.#take();
      return item instanceof Failure
        ? Promise.reject(item.error)
        : Promise.resolve({ value: item as R, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    // Whoever waits keeps the pool alive.
    if (!this.#holding && this.#keeper !== undefined) {
      this.#holding = true;
      this.#keeper.hold();
    }
    return new Promise((resolve, reject) =>
      this.#waiters.push({ resolve, reject })
    );
  }

  return(): Promise<IteratorResult<R>> {
    if (!this.done) this.#end();
    this.#ready = [];
    this.#readyHead = 0;
    this.#wake();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops pulling input; results still running are ignored. */
  #end(): void {
    this.done = true;
    this.#early.clear();
    this.#readyHead = 0;
    this.#onDone(this);
    try {
      void Promise.resolve(this.#iterator.return?.()).catch(() => {});
    } catch {
      // A failing `return()` of the caller's iterator changes nothing here.
    }
  }

  #take(): unknown {
    const item = this.#ready[this.#readyHead];
    this.#ready[this.#readyHead++] = undefined;
    if (this.#readyHead === this.#ready.length) {
      this.#ready = [];
      this.#readyHead = 0;
    }
    this.#feed();
    return item;
  }

  #arrive(index: number, entry: unknown): void {
    if (!this.#ordered) this.#push(entry);
    else if (index !== this.#nextChunk) this.#early.set(index, entry);
    else {
      this.#push(entry);
      while (this.#early.has(++this.#nextChunk)) {
        this.#push(this.#early.get(this.#nextChunk));
        this.#early.delete(this.#nextChunk);
      }
    }
    this.#settleIfComplete();
    this.#wake();
    this.#feed();
  }

  #push(entry: unknown): void {
    if (entry instanceof Failure || this.#chunksize === 1) {
      this.#ready.push(entry);
    } else {
      for (const value of entry as unknown[]) this.#ready.push(value);
    }
  }

  #wake(): void {
    while (this.#waiters.length > 0) {
      if (this.#readyHead < this.#ready.length) {
        const waiter = this.#waiters.shift()!;
        const item = this.#take();
        if (item instanceof Failure) waiter.reject(item.error);
        else waiter.resolve({ value: item as R, done: false });
      } else if (this.done) {
        this.#waiters.shift()!.resolve({ value: undefined, done: true });
      } else return;
    }
    if (this.#holding) {
      this.#holding = false;
      this.#keeper!.release();
    }
  }

  #settleIfComplete(): void {
    if (
      !this.done && this.#exhausted && !this.#pulling &&
      this.#finished === this.#submitted
    ) {
      this.done = true;
      this.#onDone(this);
    }
  }

  #hasRoom(): boolean {
    const unconsumed = this.#ready.length - this.#readyHead +
      this.#early.size * this.#chunksize;
    return !this.done && !this.#exhausted &&
      this.#submitted - this.#finished < this.#limit &&
      unconsumed < this.#limit * this.#chunksize;
  }

  #feed(): void {
    if (this.#pulling || !this.#hasRoom()) return;
    if (this.#async) return void this.#feedAsync();
    const iterator = this.#iterator as Iterator<unknown>;
    while (this.#hasRoom()) {
      const chunk: unknown[] = [];
      try {
        while (chunk.length < this.#chunksize) {
          const step = iterator.next();
          if (step.done) {
            this.#exhausted = true;
            break;
          }
          chunk.push(step.value);
        }
      } catch (error) {
        this.#fail(error);
        return;
      }
      this.#send(chunk);
    }
    this.#settleIfComplete();
    this.#wake();
  }

  async #feedAsync(): Promise<void> {
    this.#pulling = true;
    const iterator = this.#iterator as AsyncIterator<unknown>;
    while (this.#hasRoom()) {
      const chunk: unknown[] = [];
      try {
        while (chunk.length < this.#chunksize) {
          const step = await iterator.next();
          if (step.done) {
            this.#exhausted = true;
            break;
          }
          chunk.push(step.value);
        }
      } catch (error) {
        this.#pulling = false;
        return this.#fail(error);
      }
      if (this.done) break;
      this.#send(chunk);
    }
    this.#pulling = false;
    this.#settleIfComplete();
    this.#wake();
  }

  #send(chunk: unknown[]): void {
    if (chunk.length === 0) return;
    const index = this.#submitted++;
    this.#submit(this, index, index * this.#chunksize, chunk);
  }

  /**
   * The input threw: as in Python, the items of the chunk it was filling are
   * dropped, the chunks pulled before still run, and the error comes last.
   */
  #fail(error: unknown): void {
    if (this.done) return;
    this.#exhausted = true;
    this.#inputFailure = { index: this.#submitted++, error };
    this.#arriveInputFailure();
  }

  #arriveInputFailure(): void {
    const failure = this.#inputFailure;
    if (failure === null || this.#finished !== this.#submitted - 1) return;
    this.#inputFailure = null;
    this.#finished++;
    this.#arrive(failure.index, new Failure(failure.error));
  }
}
