// A raw manager client over a plain socket, for tests that speak the wire
// protocol by hand (hostile or old peers). Loopback addresses only.
import { connect, type Socket } from "node:net";
import { answer } from "../../lib/connection/_auth.ts";
import { ANSWER, PROTOCOL_VERSION } from "../../lib/manager/_protocol.ts";
import { FrameReader, WireCodec } from "../../lib/connection/_wire.ts";
import type { SocketAddress } from "../../lib/_runtime/mod.ts";

const codec = new WireCodec({ toToken: () => null, fromToken: (t) => t });

/** One raw connection: write bytes, read decoded messages, see the close. */
export class RawClient {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  #messages: unknown[][] = [];
  #wake: (() => void) | null = null;
  #reader = new FrameReader((body) => {
    this.#messages.push(codec.decode(body) as unknown[]);
    this.#wake?.();
  });
  isClosed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Uint8Array) => this.#reader.push(chunk));
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.isClosed = true;
        this.#wake?.();
        resolve();
      })
    );
  }

  /** Connects to `address` (which must be a loopback address). */
  static open(address: SocketAddress): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(address.port, address.hostname);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** Writes raw bytes. */
  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Writes one message as a frame. */
  send(message: unknown[]): void {
    this.write(codec.frame(message));
  }

  /** The next message; rejects if the connection closes first. */
  async next(): Promise<unknown[]> {
    while (this.#messages.length === 0) {
      if (this.isClosed) throw new Error("closed before a message came");
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    return this.#messages.shift()!;
  }

  /** Answers the challenge; resolves the server's verdict. */
  async handshake(
    authkey: string,
    version: number = PROTOCOL_VERSION,
  ): Promise<unknown[]> {
    const [, question] = await this.next() as [string, Uint8Array];
    const digest = await answer(new TextEncoder().encode(authkey), question);
    this.send([ANSWER, digest, new Uint8Array(32), version]);
    return await this.next();
  }

  /** Closes the connection. */
  destroy(): void {
    this.socket.destroy();
  }
}

/** A frame whose body is `body`, header included. */
export function frameOf(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}
