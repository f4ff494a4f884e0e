/**
 * The options of a queue's `put`/`get` and their async forms.
 *
 * @module
 */

/** Options of a blocking `put()` or `get()`. */
export interface QueueOptions {
  /** Whether to wait at all; `false` throws `Full`/`Empty` at once. @default true */
  block?: boolean;
  /** The longest wait, in milliseconds. @default undefined (no limit) */
  timeout?: number;
}

/** Options of `putAsync()` and `getAsync()`. */
export interface QueueAsyncOptions {
  /** The longest wait, in milliseconds. @default undefined (no limit) */
  timeout?: number;
}
