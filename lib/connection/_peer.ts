// One socket of a `Listener` or `Client` connection, from its first byte:
// the handshake's messages (decoded), then the data frames (raw bytes,
// queued until received). A peer that sends more than it may before the
// handshake is done, or a frame over the limit, is cut off. Unread frames
// above a high-water mark pause the socket, so a sender faster than the
// reader fills the OS buffers, not memory.
import type { Socket, SocketEvents } from "../_runtime/mod.ts";
import { reduce } from "../_core/codec.ts";
import { startTimer, type Timer } from "../_core/timeout.ts";
import { HANDSHAKE_FRAME_BYTES, MAX_FRAME_BYTES } from "./_frames.ts";
import type { PartialBudget } from "./_frames.ts";
import { ANSWER, WELCOME } from "./_handshake.ts";
import { MessageStream } from "./_stream.ts";
import type { TokenHandler, WireToken } from "./_wire.ts";

/** The version `Listener` and `Client` announce in the handshake. */
export const CONNECTION_VERSION = "connection/1";

/** Unread bytes above which the socket is paused (resumed below half). */
const HIGH_WATER = 16 * 1024 * 1024;

type State = "greeting" | "verifying" | "open";

/** A socket speaking the connection protocol, seen from one side. */
export class Peer implements TokenHandler {
  /** How errors name the other side, e.g. "127.0.0.1:5000". */
  readonly where: string;
  readonly stream: MessageStream;
  /** Callbacks for the runtime's socket. */
  readonly events: SocketEvents;
  socket: Socket | null = null;
  /** Why nothing more will arrive ("" if the peer closed), else `null`. */
  ended: string | null = null;
  #side: "client" | "server";
  #state: State = "greeting";
  #greetings: unknown[][] = [];
  #inbox: Uint8Array[] = [];
  #head = 0;
  #unread = 0;
  #paused = false;
  #waiters = new Set<() => void>();

  constructor(
    where: string,
    side: "client" | "server",
    budget?: PartialBudget,
  ) {
    this.where = where;
    this.#side = side;
    this.stream = new MessageStream(this, {
      message: (message) => this.#greeting(message),
      bytes: (body) => this.#data(body),
      broken: (why) => this.#break(`the peer broke the protocol: ${why}`),
    }, { budget });
    // No large frame is buffered for a peer that has not proved itself.
    this.stream.limit = HANDSHAKE_FRAME_BYTES;
    this.events = {
      data: (bytes) => this.stream.receive(bytes),
      close: () => this.#end(""),
    };
  }

  /** Sends and receives over `socket` from now on. */
  attach(socket: Socket): void {
    this.socket = socket;
    this.stream.attach(socket);
  }

  /** The next handshake message; throws once the socket has ended. */
  async next(): Promise<unknown[]> {
    while (this.#greetings.length === 0) {
      if (this.ended !== null) {
        throw new Error(this.ended || "the connection was closed");
      }
      await this.changed();
    }
    return this.#greetings.shift()!;
  }

  /** The server proved the client: data frames of any size may come. */
  open(): void {
    this.#state = "open";
    this.stream.limit = MAX_FRAME_BYTES;
  }

  /** Whether a frame (or the end) is there to receive. */
  get ready(): boolean {
    return this.#head < this.#inbox.length || this.ended !== null;
  }

  /** The next frame, if one has arrived. */
  take(): Uint8Array | undefined {
    if (this.#head === this.#inbox.length) return undefined;
    const body = this.#inbox[this.#head++];
    if (this.#head === this.#inbox.length) {
      this.#inbox = [];
      this.#head = 0;
    }
    this.#unread -= body.length;
    if (this.#paused && this.#unread <= HIGH_WATER / 2) {
      this.#paused = false;
      this.socket?.resume();
    }
    return body;
  }

  /**
   * Resolves at the next change (a frame, a handshake message, the end),
   * or after `timer` fires if given; the socket keeps the process alive
   * meanwhile.
   */
  changed(timeoutMs?: number): Promise<void> {
    if (this.#waiters.size === 0) this.socket?.ref();
    return new Promise<void>((resolve) => {
      let timer: Timer | null = null;
      const wake = () => {
        timer?.clear();
        if (this.#waiters.delete(wake) && this.#waiters.size === 0) {
          this.socket?.unref();
        }
        resolve();
      };
      this.#waiters.add(wake);
      if (timeoutMs !== undefined) timer = startTimer(timeoutMs, wake);
    });
  }

  /** Sends what is queued, then closes the connection. */
  end(): void {
    this.#end("");
    this.stream.flush();
    if (this.socket?.end) this.socket.end();
    else this.socket?.close();
  }

  /** Drops the connection; `why` is what later receives report. */
  kill(why = ""): void {
    this.#end(why);
    this.socket?.close();
  }

  toToken(value: unknown): WireToken | null {
    if (typeof value === "object" && value !== null && reduce in value) {
      throw new TypeError(
        `a shared object (${value.constructor?.name}) cannot leave this OS process; pass it to a Process, or send plain data`,
      );
    }
    return null;
  }

  fromToken(): unknown {
    throw new TypeError("a manager proxy cannot arrive over a Connection");
  }

  #greeting(message: unknown[]): void {
    this.#greetings.push(message);
    // Whatever follows the last handshake message is data.
    if (this.#side === "client" && message[0] === WELCOME) {
      this.stream.raw = true;
      this.open();
    } else if (this.#side === "server" && message[0] === ANSWER) {
      this.stream.raw = true;
      this.#state = "verifying";
    }
    this.#wake();
  }

  #data(body: Uint8Array): void {
    // An honest client waits for the welcome before it sends.
    if (this.#state !== "open") {
      return this.#break("data before the handshake was done");
    }
    this.#inbox.push(body);
    this.#unread += body.length;
    if (!this.#paused && this.#unread > HIGH_WATER) {
      this.#paused = true;
      this.socket?.pause();
    }
    this.#wake();
  }

  #break(why: string): void {
    this.stream.close();
    this.kill(why);
  }

  #end(why: string): void {
    if (this.ended !== null) return;
    this.ended = why;
    this.stream.close();
    this.#wake();
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}
