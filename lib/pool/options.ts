/**
 * The options of `Pool` and of its methods.
 *
 * @module
 */
import type { AsyncResultCallbacks } from "./async_result.ts";

/** Options of `Pool`. */
export interface PoolOptions {
  /** How many workers. @default cpuCount() */
  processes?: number;
  /** Runs once in each worker before its first task. @default undefined */
  initializer?: (...args: never[]) => unknown;
  /** Arguments for `initializer`; shareable objects arrive live. @default [] */
  initargs?: unknown[];
  /** Tasks (chunks) a worker runs before it is replaced; `null` for never. @default null */
  maxtasksperchild?: number | null;
  /**
   * Modules whose exports go by reference: the worker imports them and calls
   * the export, so task functions may use the module's imports. Pass
   * `import.meta.url` to list the calling module.
   * @default []
   */
  module?: string | URL | readonly (string | URL)[];
}

/** Options of every submitting call. */
export interface SubmitOptions {
  /** Aborting drops queued work, stops running work (its worker is replaced) and rejects with the signal's reason. @default undefined */
  signal?: AbortSignal;
}

/** Options of `Pool.map` and `Pool.starmap`. */
export interface MapOptions extends SubmitOptions {
  /** Items per task. @default ceil(length / (4 × processes)) */
  chunksize?: number;
}

/** Options of `Pool.mapAsync` and `Pool.starmapAsync`. */
export interface MapAsyncOptions<R>
  extends MapOptions, AsyncResultCallbacks<R> {}

/** Options of `Pool.imap` and `Pool.imapUnordered`. */
export interface ImapOptions extends SubmitOptions {
  /** Items per task. @default 1 */
  chunksize?: number;
}

/** Options of `Pool.applyAsync`. */
export interface ApplyAsyncOptions<R>
  extends SubmitOptions, AsyncResultCallbacks<R> {}
