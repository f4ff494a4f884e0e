// Every message shape between a parent thread and its workers.
import type { FunctionRef } from "./_function_ref.ts";

/** Who a worker is: its pid, its name, and the pid counter all threads share. */
export interface Identity {
  readonly pid: number;
  readonly name: string;
  /** One shared int: the last pid handed out in this OS process. */
  readonly pids: Int32Array;
}

/** Parent → worker: become a `Process` and run `target(...args)`, then exit. */
export interface RunProcess {
  readonly type: "process";
  readonly identity: Identity;
  readonly target: FunctionRef;
  /** Encoded with `_codec.ts`. */
  readonly args: readonly unknown[];
}

/** Parent → worker: become a pool worker; run `initializer(...initargs)` first. */
export interface StartPoolWorker {
  readonly type: "pool";
  readonly identity: Identity;
  readonly initializer: FunctionRef | null;
  /** Encoded with `_codec.ts`. */
  readonly initargs: readonly unknown[];
}

/** How a pool task calls its function: with `payload` as the argument list. */
export const CALL = 0;
/** A chunk of `map`: `payload` is an array of items, each the one argument. */
export const MAP = 1;
/** A chunk of `starmap`: `payload` is an array of argument lists. */
export const STARMAP = 2;
/** One item of `map` with chunksize 1: `payload` is the one argument. */
export const ITEM = 3;

/**
 * Parent → pool worker: tasks to run in order. `fns` defines functions the
 * worker has not seen yet, as `[id, ref, id, ref, …]`; `tasks` is flat,
 * `[taskId, fnId, kind, payload, …]`, with payloads encoded by `_codec.ts`.
 */
export interface PoolTasks {
  readonly type: "pool-tasks";
  readonly fns: readonly (number | FunctionRef)[] | null;
  readonly tasks: readonly unknown[];
}

/** A finished pool task: its value, encoded by `_codec.ts`. */
export const OK = 0;
/** A failed pool task: an `EncodedThrown`. */
export const FAILED = 1;

/**
 * Pool worker → parent, one flat array: `[busyMs, taskId, status, value, …]`
 * where `busyMs` is the time the worker spent on these tasks.
 */
export type PoolResults = unknown[];

/** Every message a parent sends to a worker. */
export type ToWorker = RunProcess | StartPoolWorker | PoolTasks;
