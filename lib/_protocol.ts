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

/** Every message a parent sends to a worker. */
export type ToWorker = RunProcess;
