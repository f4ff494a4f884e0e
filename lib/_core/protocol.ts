// Every message shape between a parent thread and its workers.
import type { EncodedThrown } from "./codec.ts";
import type { FunctionRef } from "./function_ref.ts";
import type { SocketAddress } from "../_runtime/mod.ts";

/** Who a worker is: its pid, its name, and the pid counter all threads share. */
export interface Identity {
  readonly pid: number;
  readonly name: string;
  /** One shared int: the last pid handed out in this OS process. */
  readonly pids: Int32Array;
  /** A daemon may not start children; pool workers are daemons. */
  readonly daemon?: boolean;
  /** The authentication key, inherited from the parent (32 bytes). */
  readonly authkey?: Uint8Array;
  /** The parent's pid and name; `null` on the main thread. */
  readonly parent?: { readonly pid: number; readonly name: string } | null;
}

/**
 * Parent → worker: become a `Process` and run `target(...args)`; or, when
 * `fields` is set, rebuild an instance of the `Process` subclass `target`
 * with these own fields and call its `run()`.
 */
export interface RunProcess {
  readonly type: "process";
  readonly identity: Identity;
  readonly target: FunctionRef;
  /** Encoded with `codec.ts`. */
  readonly args: readonly unknown[];
  /** A subclass instance's own fields, encoded with `codec.ts`, or `null`. */
  readonly fields: Record<string, unknown> | null;
}

/** Parent → worker: become a pool worker; run `initializer(...initargs)` first. */
export interface StartPoolWorker {
  readonly type: "pool";
  readonly identity: Identity;
  readonly initializer: FunctionRef | null;
  /** Encoded with `codec.ts`. */
  readonly initargs: readonly unknown[];
  /** Two ints shared with the parent: `[CLAIMED]` and `[FINISHED]`. */
  readonly cells: Int32Array;
  /** Shared memory for one task at a time: see `pool/_mailbox.ts`. */
  readonly mailbox?: SharedArrayBuffer;
}

/**
 * In a pool worker's shared cells: the number (in the order received) of
 * the next task it may start. The worker starts task `n` only if it can
 * compare-exchange this from `n` to `n + 1`; the parent takes back tasks
 * not yet started by moving it past them.
 */
export const CLAIMED = 0;
/** In a pool worker's shared cells: one past the number of the last task it finished. */
export const FINISHED = 1;

/** Parent → pool worker: exit once the tasks already received are done. */
export interface PoolExit {
  readonly type: "pool-exit";
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
 * `[taskId, fnId, kind, payload, …]`, with payloads encoded by `codec.ts`.
 */
export interface PoolTasks {
  readonly type: "pool-tasks";
  readonly fns: readonly (number | FunctionRef)[] | null;
  readonly tasks: readonly unknown[];
}

/** A finished pool task: its value, encoded by `codec.ts`. */
export const OK = 0;
/** A failed pool task: an `EncodedThrown`. */
export const FAILED = 1;

/**
 * Pool worker → parent, one flat array: `[busyMs, taskId, status, value, …]`
 * where `busyMs` is the time the worker spent on these tasks.
 */
export type PoolResults = unknown[];

/** Parent → worker: serve a manager at `address` until asked to shut down. */
export interface RunManager {
  readonly type: "manager";
  readonly identity: Identity;
  readonly address: SocketAddress;
  readonly authkey: Uint8Array;
  /** Serve the SyncManager types (list, dict, Lock, ...). */
  readonly sync: boolean;
  /**
   * User types: `register(typeid, factory, { exposed, methodToTypeid })`;
   * `factory` is `null` for a type served only as a method's result.
   */
  readonly factories: readonly {
    typeid: string;
    factory: FunctionRef | null;
    exposed: readonly string[] | null;
    methodToTypeid: Readonly<Record<string, string>> | null;
  }[];
  /** `start({ initializer })`: runs in the server before it serves. */
  readonly initializer: FunctionRef | null;
  /** Arguments of `initializer`, encoded with `codec.ts`. */
  readonly initargs: readonly unknown[];
  /** The modules a SyncManager's `Pool` may run tasks from. */
  readonly poolModules: readonly string[];
  /** Server options (`debug`, `maxConnections`). */
  readonly server: { readonly debug: boolean; readonly maxConnections: number };
}

/**
 * Either way between a manager worker and its parent: bytes of the parent's
 * own connection, which runs over the worker channel instead of TCP.
 */
export interface ManagerData {
  readonly type: "manager-data";
  /** An `ArrayBuffer`: Deno clones one 100× faster than a `Uint8Array`. */
  readonly bytes: ArrayBuffer | Uint8Array;
}

/** Manager worker → parent: it listens at `address`, or could not start. */
export type FromManager =
  | {
    readonly type: "manager-ready";
    readonly address: SocketAddress;
    /** The server's shared memory for clients of this OS process. */
    readonly lobby?: SharedArrayBuffer;
  }
  | { readonly type: "manager-failed"; readonly error: EncodedThrown }
  | ManagerData;

/** Every message a parent sends to a worker. */
export type ToWorker =
  | RunProcess
  | StartPoolWorker
  | PoolTasks
  | PoolExit
  | RunManager
  | ManagerData;
