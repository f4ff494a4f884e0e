// The interfaces every runtime adapter implements: what the library needs
// from a runtime (workers, a parent channel, serialization, TCP).
import type { SocketAddress, UnixSocketAddress } from "../socket_address.ts";

export type { SocketAddress, UnixSocketAddress };

/** A TCP endpoint or a Unix socket's path. */
export type AnyAddress = SocketAddress | UnixSocketAddress;

/** The runtimes this library supports. */
export type RuntimeName = "deno" | "bun" | "node";

/** Callbacks a started worker reports to; `exit` fires at most once. */
export interface WorkerEvents {
  /** A message the worker posted. */
  message(data: unknown): void;
  /** The worker ended by itself (not by `terminate()`), with this code. */
  exit(code: number): void;
}

/** A worker thread, seen from the thread that started it. */
export interface WorkerHandle {
  postMessage(message: unknown): void;
  /**
   * Stops the worker; no `exit` event follows. Resolves `true` once its
   * thread is gone, or `false` if the runtime has not stopped it within
   * `graceMs` (default 1000; Deno cannot stop a thread busy in JavaScript
   * until that code returns to the event loop); `gone` tells when it is.
   */
  terminate(graceMs?: number): Promise<boolean>;
  /** Settles once the thread is gone, after `terminate()` or `exit`. */
  readonly gone: Promise<void>;
  /** Lets the process exit while this worker is alive (no-op on Deno). */
  unref(): void;
  /** Undoes `unref()`. */
  ref(): void;
}

/** The channel from a worker thread to the thread that started it. */
export interface ParentPort {
  postMessage(message: unknown): void;
  onMessage(listener: (data: unknown) => void): void;
  /**
   * Calls `listener` with any uncaught error or unhandled rejection; the
   * worker then exits with code 1.
   */
  onUncaught(listener: (error: unknown) => void): void;
  /** Ends this worker with `code`; the parent sees it as an `exit` event. */
  exit(code: number): void;
  /**
   * Stops listening to the parent, so the worker ends with code 0 once its
   * event loop has nothing left to do, like a script.
   */
  release(): void;
  /**
   * Calls `listener` synchronously as this worker ends by `exit()`,
   * `process.exit()` or an uncaught error (not on `terminate()`); messages
   * it posts reach the parent before the parent's `exit` event.
   */
  onExit(listener: () => void): void;
}

/** Callbacks of a TCP connection; `close` fires once, after any error. */
export interface SocketEvents {
  data(bytes: Uint8Array): void;
  close(): void;
}

/** One end of a TCP connection. */
export interface Socket {
  /** Queues `bytes` for sending. */
  write(bytes: Uint8Array): void;
  /** Drops the connection at once; `close` follows. */
  close(): void;
  /** Sends what is queued, then closes; `close` follows. */
  end?(): void;
  /** Lets the process exit while this socket is open. */
  unref(): void;
  /** Undoes `unref()`. */
  ref(): void;
  /** Bytes written but not yet handed to the operating system. */
  readonly pending: number;
  /** Stops delivering received bytes until `resume()`. */
  pause(): void;
  /** Undoes `pause()`. */
  resume(): void;
  /** The peer's TCP address, if known (not for Unix sockets). */
  readonly remote?: SocketAddress;
}

/** A listening TCP or Unix socket server. */
export interface Listener<A extends AnyAddress = SocketAddress> {
  /** Where it listens (the real port when 0 was asked for). */
  readonly address: A;
  /** Stops accepting connections; open connections stay. */
  close(): void;
  /** Lets the process exit while it listens. */
  unref(): void;
  /** Undoes `unref()`. */
  ref(): void;
}

/** Options of a runtime's `listen`. */
export interface ListenOptions {
  /** The OS's queue of connections not yet accepted. */
  readonly backlog?: number;
}

/** The part of `import.meta` that tells whether a module is the script. */
export interface ModuleMeta {
  /** The module's URL. */
  readonly url: string;
  /** `true` in the script run directly, where the runtime says so. */
  readonly main?: boolean;
}

/** What the library needs from a runtime. */
export interface Runtime {
  readonly name: RuntimeName;
  /** The channel to the parent when this thread is a worker, else `null`. */
  readonly parent: ParentPort | null;
  /** Whether `meta` is the script's own (false in every worker). */
  isMainModule(meta: ModuleMeta): boolean;
  /** Logical CPUs available to this process. */
  cpuCount(): number;
  /** Starts a module worker running `url`. */
  spawn(url: URL, events: WorkerEvents): WorkerHandle;
  /**
   * Whether a worker waiting on shared memory wakes sooner when it awaits
   * `Atomics.waitAsync` in its event loop than when it blocks in
   * `Atomics.wait`: so on Bun, whose `Atomics.notify` wakes a blocked
   * thread in about 10 µs but an event loop in about 5.
   */
  readonly wakesFasterAsync: boolean;
  /** The argv that runs the script at `path` as a new OS process. */
  scriptCommand(path: string): string[];
  /** Structured-clone serialization to bytes; throws if not cloneable. */
  serialize(value: unknown): Uint8Array;
  /** Rebuilds a value from {@linkcode Runtime.serialize}'s bytes. */
  deserialize(bytes: Uint8Array): unknown;
  /** Listens on `address`; `accept` gives each connection its callbacks. */
  listen<A extends AnyAddress>(
    address: A,
    accept: (socket: Socket) => SocketEvents,
    options?: ListenOptions,
  ): Promise<Listener<A>>;
  /** Opens a connection to `address`; rejects if it cannot. */
  connect(address: AnyAddress, events: SocketEvents): Promise<Socket>;
}

/**
 * What each runtime's adapter provides: the runtime without its sockets,
 * which are the same everywhere (`node:net`) and loaded on first use.
 */
export type Adapter = Omit<Runtime, "listen" | "connect">;
