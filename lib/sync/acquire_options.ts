// The options every lock's and semaphore's acquire takes.

/** Options of a blocking `acquire()`. */
export interface AcquireOptions {
  /** Whether to wait for the lock at all (Python's `block`). @default true */
  block?: boolean;
  /** The longest wait, in milliseconds. @default undefined (no limit) */
  timeout?: number;
}

/** Options of `acquireAsync()` and `holdAsync()`. */
export interface AcquireAsyncOptions {
  /** The longest wait, in milliseconds. @default undefined (no limit) */
  timeout?: number;
}
