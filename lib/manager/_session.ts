// One client connection on the server side: the handshake (the client must
// answer an HMAC challenge before anything else is read), then requests in,
// replies out. A client that breaks the protocol is disconnected.
import type { Socket, SocketEvents } from "../_runtime/mod.ts";
import { answer, challenge, verify } from "./_auth.ts";
import type { ManagerServer } from "./_server.ts";
import {
  HANDSHAKE_FRAME_BYTES,
  MAX_FRAME_BYTES,
  MessageStream,
  type TokenHandler,
  type WireToken,
} from "./_wire.ts";

/** A proxy held inside a shared object: it keeps its target alive. */
export class ServerRef {
  constructor(readonly typeid: string, readonly id: number) {}
}

/** A server's error as a client receives it. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

function wireError(error: unknown): WireError {
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack ?? `${error.name}: ${error.message}`,
    };
  }
  return { name: "Error", message: String(error), stack: String(error) };
}

/** One client connection on the server side. */
export class Session implements TokenHandler {
  readonly events: SocketEvents;
  /** References this client holds, by object id. */
  readonly refs: Map<number, number> = new Map();
  #server: ManagerServer;
  #socket: Socket;
  #stream: MessageStream;
  #state: "challenged" | "verifying" | "ready" | "dead" = "challenged";
  #question = challenge();

  constructor(server: ManagerServer, socket: Socket) {
    this.#server = server;
    this.#socket = socket;
    this.#stream = new MessageStream(
      this,
      (message) => this.#receive(message),
      () => this.kill(),
    );
    this.#stream.attach(socket);
    // No large frame is buffered for a client that has not proved itself.
    this.#stream.limit = HANDSHAKE_FRAME_BYTES;
    this.events = {
      data: (bytes) => {
        if (this.#state !== "dead") this.#stream.receive(bytes);
      },
      close: () => {
        this.#state = "dead";
        server.closed(this);
      },
    };
    server.opened(this);
    this.#stream.send(["challenge", this.#question]);
  }

  toToken(value: unknown): WireToken | null {
    return value instanceof ServerRef
      ? [value.typeid, value.id, this.#server.id]
      : null;
  }

  fromToken(token: WireToken): unknown {
    return this.#server.adopt(token);
  }

  /** Drops the connection; its references are released on `close`. */
  kill(): void {
    this.#state = "dead";
    this.#socket.close();
  }

  #receive(message: unknown[]): void {
    if (this.#state === "dead") return;
    if (this.#state === "ready") return this.#request(message);
    if (this.#state === "challenged" && message[0] === "answer") {
      this.#state = "verifying";
      return void this.#handshake(message[1], message[2]);
    }
    this.kill();
  }

  async #handshake(digest: unknown, question: unknown): Promise<void> {
    const authkey = this.#server.authkey;
    const ok = await verify(authkey, this.#question, digest);
    if (this.#state === "dead") return;
    if (!ok || !(question instanceof Uint8Array)) {
      this.#stream.send(["refused"]);
      this.#stream.flush();
      return this.kill();
    }
    this.#state = "ready";
    this.#stream.limit = MAX_FRAME_BYTES;
    this.#stream.send([
      "welcome",
      await answer(authkey, question),
      this.#server.id,
    ]);
  }

  #request(message: unknown[]): void {
    const [id, op] = message;
    if (!Number.isSafeInteger(id) || typeof op !== "string") return this.kill();
    let result: unknown;
    try {
      result = this.#server.handle(this, op, message);
    } catch (error) {
      // A SyntaxError means the request itself is malformed.
      if (error instanceof SyntaxError) return this.kill();
      return this.#reply(id as number, 1, wireError(error));
    }
    if (result instanceof Promise) {
      result.then(
        (value) => this.#reply(id as number, 0, value),
        (error) => this.#reply(id as number, 1, wireError(error)),
      );
    } else {
      this.#reply(id as number, 0, result);
    }
  }

  #reply(id: number, status: 0 | 1, value: unknown): void {
    if (id === 0 || this.#state === "dead") return;
    try {
      this.#stream.send([id, status, value ?? null]);
    } catch (error) {
      this.#stream.send([
        id,
        1,
        wireError(
          new TypeError(
            `Cannot send the result to the client: ${(error as Error).message}`,
          ),
        ),
      ]);
    }
  }
}
