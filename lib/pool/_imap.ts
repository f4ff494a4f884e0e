// The job behind `imap` and `imapUnordered`: pulls its input lazily, keeps a
// bounded number of chunks in flight and of results unconsumed, and hands
// results out as an async iterator (in input order, or as they arrive).
import type { Job } from "./_jobs.ts";
import type { Keeper } from "./_keepalive.ts";
import { chunkItems } from "./_numbers.ts";

/** Submits chunk `index` (items starting at input position `start`). */
export type SubmitChunk = (
  job: Job,
  index: number,
  start: number,
  items: unknown[],
) => void;

/** Results unconsumed stay under 1/UNCONSUMED_SHARE of `limit` chunks'. */
const UNCONSUMED_SHARE = 4;

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
  /**
   * Results not yet consumed, as they arrived: whole chunks (an array, or a
   * Float64Array for a chunk of numbers), a lone result when chunksize is
   * 1, or a Failure. Kept whole, not copied item by item into one long
   * array: that array, always alive, was what the main thread's young
   * generation kept copying (and so growing) over a long imap.
   */
  #ready = new ResultQueue();
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
    this.#ready.clear();
    this.#ready.push(new Failure(reason));
    this.#wake();
  }

  next(): Promise<IteratorResult<R>> {
    if (this.#ready.size > 0) {
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
    this.#ready.clear();
    this.#wake();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Slots the queue of unconsumed results holds (for tests). */
  get retainedSlots(): number {
    return this.#ready.slots;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops pulling input; results still running are ignored. */
  #end(): void {
    this.done = true;
    this.#early.clear();
    this.#onDone(this);
    try {
      void Promise.resolve(this.#iterator.return?.()).catch(() => {});
    } catch {
      // A failing `return()` of the caller's iterator changes nothing here.
    }
  }

  #take(): unknown {
    const item = this.#ready.shift();
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
    } else this.#ready.pushChunk(chunkItems(entry));
  }

  #wake(): void {
    while (this.#waiters.length > 0) {
      if (this.#ready.size > 0) {
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

  /**
   * Room to submit a chunk: fewer than `limit` chunks in flight, and fewer
   * than a quarter of `limit` chunks' results unconsumed (early ones
   * included). A consumer slower than the workers so holds few results,
   * each alive across fewer young-generation collections: fewer are copied
   * and promoted, and the heap keeps its first size (Node's grew by 8–16 MB
   * over 1M results with all `limit` chunks' worth held). The price: an
   * ordered imap runs at most a quarter of `limit` chunks past one that is
   * slow.
   */
  #hasRoom(): boolean {
    const unconsumed = this.#ready.size + this.#early.size * this.#chunksize;
    return !this.done && !this.#exhausted &&
      this.#submitted - this.#finished < this.#limit &&
      unconsumed < this.#limit * this.#chunksize / UNCONSUMED_SHARE;
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

/**
 * A FIFO of results held as the entries they arrived in: a lone result, or
 * a chunk (an array-like of results, read in place; a chunk of one is
 * held as its lone result, which a count of 1 means).
 */
class ResultQueue {
  /** Results held. */
  size = 0;
  #entries: unknown[] = [];
  #counts: number[] = [];
  #head = 0;
  /** Position of the next result inside the head entry (when count > 1). */
  #at = 0;

  /** Adds one result. */
  push(item: unknown): void {
    this.#add(item, 1);
  }

  /** Adds the results of `chunk`, in order. */
  pushChunk(chunk: ArrayLike<unknown>): void {
    if (chunk.length === 1) this.#add(chunk[0], 1);
    else if (chunk.length > 1) this.#add(chunk, chunk.length);
  }

  #add(entry: unknown, count: number): void {
    this.#entries.push(entry);
    this.#counts.push(count);
    this.size += count;
  }

  /** The oldest result, removed; the queue must not be empty. */
  shift(): unknown {
    const head = this.#head;
    const count = this.#counts[head];
    let item = this.#entries[head];
    if (count > 1) item = (item as ArrayLike<unknown>)[this.#at++];
    this.size--;
    if (count === 1 || this.#at === count) {
      this.#entries[head] = undefined;
      this.#at = 0;
      this.#head++;
      this.#compact();
    }
    return item;
  }

  /** Entries held, the consumed slots not yet dropped included. */
  get slots(): number {
    return this.#entries.length;
  }

  /**
   * Drops the consumed slots once they are half of the queue: a consumer
   * that never empties it must not make it grow without end.
   */
  #compact(): void {
    const head = this.#head;
    if (head === this.#entries.length) this.clear();
    else if (head >= 32 && head * 2 >= this.#entries.length) {
      this.#entries = this.#entries.slice(head);
      this.#counts = this.#counts.slice(head);
      this.#head = 0;
    }
  }

  clear(): void {
    this.#entries = [];
    this.#counts = [];
    this.#head = 0;
    this.#at = 0;
    this.size = 0;
  }
}
