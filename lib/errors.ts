/**
 * The error classes of Python's `multiprocessing`, for what callers catch.
 * Bad arguments throw the built-in `TypeError` and `RangeError` instead.
 *
 * @module
 */

/**
 * The base class of this library's errors, like Python's `ProcessError`.
 *
 * @example Usage
 * ```ts
 * import { ProcessError, TimeoutError } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new TimeoutError("too slow") instanceof ProcessError);
 * ```
 */
export class ProcessError extends Error {
  /** Creates the error; `options.cause` is kept as `cause`. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A wait ran out of time.
 *
 * @example Usage
 * ```ts
 * import { TimeoutError } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new TimeoutError("Timed out after 5 ms").name, "TimeoutError");
 * ```
 */
export class TimeoutError extends ProcessError {}

/**
 * A manager peer failed the `authkey` challenge.
 *
 * @example Usage
 * ```ts
 * import { AuthenticationError } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new AuthenticationError("digest mismatch").name, "AuthenticationError");
 * ```
 */
export class AuthenticationError extends ProcessError {}

/**
 * A method called through a manager proxy threw on the server; `cause`
 * holds the server-side name, message and stack.
 *
 * @example Usage
 * ```ts
 * import { RemoteError } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new RemoteError("list index out of range").name, "RemoteError");
 * ```
 */
export class RemoteError extends ProcessError {}

/**
 * A byte buffer was too short for the message received.
 *
 * @example Usage
 * ```ts
 * import { BufferTooShort } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new BufferTooShort("need 64 bytes").name, "BufferTooShort");
 * ```
 */
export class BufferTooShort extends ProcessError {}

/**
 * A worker died while it held a task (`process.exit`, an uncaught async
 * error, or the runtime killing it); `exitCode` is the worker's exit code.
 *
 * @example Usage
 * ```ts
 * import { WorkerExitError } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const error = new WorkerExitError("Worker exited with code 3", 3);
 * assert.equal(error.exitCode, 3);
 * ```
 */
export class WorkerExitError extends ProcessError {
  /** The exit code of the worker that died. */
  readonly exitCode: number;

  /** Creates the error for a worker that ended with `exitCode`. */
  constructor(message: string, exitCode: number, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** Options of {@linkcode MaybeEncodingError}: Python's `exc` and `value`. */
export interface MaybeEncodingErrorOptions extends ErrorOptions {
  /** The text of the error that stopped the result, e.g. `"DataCloneError: … could not be cloned"`. @default "" */
  exc?: string;
  /** A description of the value that could not be sent, e.g. `"function f"`. @default "" */
  value?: string;
}

/**
 * A task's result could not be sent back from its worker. Like Python's,
 * it carries `exc` (the error's text) and `value` (a description of the
 * value that could not be sent), both strings.
 *
 * @example Usage
 * ```ts
 * import { MaybeEncodingError } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const error = new MaybeEncodingError("function f could not be cloned", {
 *   exc: "DataCloneError: f could not be cloned",
 *   value: "function f",
 * });
 * assert.equal(error.name, "MaybeEncodingError");
 * assert.equal(error.exc, "DataCloneError: f could not be cloned");
 * assert.equal(error.value, "function f");
 * ```
 */
export class MaybeEncodingError extends ProcessError {
  /** The text of the error that stopped the result from being sent. */
  readonly exc: string;
  /** A description of the value that could not be sent. */
  readonly value: string;

  /** Creates the error; `options.exc` and `options.value` as in Python. */
  constructor(message?: string, options?: MaybeEncodingErrorOptions) {
    super(message, options);
    this.exc = options?.exc ?? "";
    this.value = options?.value ?? "";
  }
}

/**
 * `getNowait()` or a timed `get()` found the queue empty.
 *
 * @example Usage
 * ```ts
 * import { Empty } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new Empty("Queue is empty").name, "Empty");
 * ```
 */
export class Empty extends ProcessError {}

/**
 * `putNowait()` or a timed `put()` found the queue full.
 *
 * @example Usage
 * ```ts
 * import { Full } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new Full("Queue is full").name, "Full");
 * ```
 */
export class Full extends ProcessError {}

/**
 * A `Barrier` was aborted or reset, or a wait on it timed out.
 *
 * @example Usage
 * ```ts
 * import { BrokenBarrierError } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new BrokenBarrierError("Barrier is broken").name, "BrokenBarrierError");
 * ```
 */
export class BrokenBarrierError extends ProcessError {}

/**
 * `recv()` found nothing left to receive on a `Connection` whose other end
 * was closed, like Python's `EOFError`.
 *
 * @example Usage
 * ```ts
 * import { EOFError, Pipe } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = Pipe();
 * b.close();
 * assert.throws(() => a.recv(), EOFError);
 * ```
 */
export class EOFError extends ProcessError {}

/**
 * A `SharedMemory` (or `ShareableList`) was to be created under a name that
 * is taken, like Python's `FileExistsError`; `code` is `"EEXIST"`.
 *
 * @example Usage
 * ```ts
 * import { FileExistsError, SharedMemory } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * using shm = new SharedMemory({ create: true, size: 8 });
 * assert.throws(
 *   () => new SharedMemory({ name: shm.name, create: true, size: 8 }),
 *   FileExistsError,
 * );
 * shm.unlink();
 * ```
 */
export class FileExistsError extends Error {
  /** The POSIX error code, as Node's file errors carry it. */
  readonly code = "EEXIST";

  /** Creates the error. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FileExistsError";
  }
}

/**
 * No `SharedMemory` has the name asked for (never created, or unlinked),
 * like Python's `FileNotFoundError`; `code` is `"ENOENT"`.
 *
 * @example Usage
 * ```ts
 * import { FileNotFoundError, SharedMemory } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new SharedMemory({ name: "no_such_block" }), FileNotFoundError);
 * ```
 */
export class FileNotFoundError extends Error {
  /** The POSIX error code, as Node's file errors carry it. */
  readonly code = "ENOENT";

  /** Creates the error. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FileNotFoundError";
  }
}
