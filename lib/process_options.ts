/**
 * The options of `new Process(…)`.
 *
 * @module
 */

/** Options of `Process`. */
export interface ProcessOptions<A extends unknown[] = unknown[]> {
  /**
   * The function the worker runs; see "How a function reaches a worker".
   * Optional in a subclass that overrides `Process.run()`.
   */
  target?: (...args: A) => unknown;
  /** Arguments for `target`; shareable objects arrive live. @default [] */
  args?: A;
  /** The process name. @default "Process-N" */
  name?: string;
  /**
   * Modules whose exports go by reference: the worker imports them and calls
   * the export, so `target` may use the module's imports. Pass
   * `import.meta.url` to list the calling module.
   */
  module?: string | URL | readonly (string | URL)[];
  /**
   * A daemon is stopped when its parent ends instead of being waited for,
   * and may not start children. @default false
   */
  daemon?: boolean;
}
