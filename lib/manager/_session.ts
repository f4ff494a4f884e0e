// One client connection on the server side: the handshake (the client must
// answer an HMAC challenge, in time, before anything else is read), then
// requests in, replies out. A client that breaks the protocol is
// disconnected; a client that does not read its replies is paused, then
// disconnected.
import type { Socket, SocketEvents } from "../_runtime/mod.ts";
import { type EncodedThrown, encodeThrown } from "../_core/codec.ts";
import { challenge, sameBytes } from "../connection/_auth.ts";
import {
  challengeMessage,
  checkAnswer,
  welcomeMessage,
} from "../connection/_handshake.ts";
import type { PartialBudget } from "../connection/_frames.ts";
import {
  ANSWER,
  FAILED,
  HANDSHAKE_FRAME_BYTES,
  MAX_FRAME_BYTES,
  OK,
  PROTOCOL_VERSION,
  type Refused,
} from "./_protocol.ts";
import { Caller } from "./_served/caller.ts";
import { ServedRef } from "./_served/ref.ts";
import { MessageStream } from "../connection/_stream.ts";
import type { TokenHandler, WireToken } from "../connection/_wire.ts";
import type { SlotHub, SlotLink } from "./_slot_socket.ts";

/** The limits a server puts on each connection. */
export interface SessionLimits {
  /** Milliseconds a client has to complete the handshake. */
  readonly handshakeTimeout: number;
  /** Milliseconds a failed handshake waits before the refusal. */
  readonly refusalDelay: number;
  /** Unsent reply bytes above which the client is paused. */
  readonly highWater: number;
  /** Milliseconds a paused client has to read before it is dropped. */
  readonly stallTimeout: number;
}

/** What a session needs from its server. */
export interface SessionHost {
  readonly id: string;
  readonly authkey: Uint8Array;
  /** Sent to in-process clients over the worker channel, proves locality. */
  readonly localKey: Uint8Array;
  /** Whether every client gets server-side stacks. */
  readonly debug: boolean;
  readonly limits: SessionLimits;
  readonly budget: PartialBudget;
  /** Whether one more client may authenticate. */
  admit(session: Session): boolean;
  closed(session: Session): void;
  /** Requests whose result is a promise not settled yet. */
  inflight: number;
  /** Runs one request; throws `SyntaxError` if it is malformed. */
  handle(session: Session, message: unknown[]): unknown;
  /** A token for object `id` was sent to `session`: it holds one reference. */
  hold(session: Session, id: number): void;
  /** A token arrived inside a request. */
  adopt(token: WireToken): ServedRef;
  /** The slots of its shared memory, for clients in its OS process. */
  readonly slots: SlotHub | null;
}

type State = "challenged" | "verifying" | "ready" | "dead";

/** One client connection on the server side. */
export class Session implements TokenHandler {
  readonly events: SocketEvents;
  /** The client as served objects see it. */
  readonly caller: Caller = new Caller();
  /** References this client holds, by object id. */
  readonly refs: Map<number, number> = new Map();
  /** Objects held for proxies this client lent, by loan key. */
  readonly loans: Map<string, number> = new Map();
  #host: SessionHost;
  #socket: Socket;
  #stream: MessageStream;
  #state: State = "challenged";
  #question = challenge();
  #local: boolean;
  #sent: number[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #paused = false;
  #slot: SlotLink | null = null;
  /** Requests read while paused, handled on resume. */
  #backlog: unknown[][] = [];

  /** `local`: the client is in this OS process (the worker channel). */
  constructor(host: SessionHost, socket: Socket, local = false) {
    this.#host = host;
    this.#socket = socket;
    this.#local = local;
    this.#stream = new MessageStream(this, {
      message: (message) => this.#receive(message),
      broken: () => this.kill(),
    }, { budget: host.budget });
    this.#stream.attach(socket);
    // No large frame is buffered for a client that has not proved itself.
    this.#stream.limit = HANDSHAKE_FRAME_BYTES;
    this.events = {
      data: (bytes) => {
        if (this.#state !== "dead") this.#stream.receive(bytes);
      },
      close: () => this.#closed(),
    };
    // The owner (over the worker channel) is trusted to finish in time.
    if (!local) {
      this.#timer = setTimeout(() => this.kill(), host.limits.handshakeTimeout);
    }
    this.#stream.send(challengeMessage(this.#question, PROTOCOL_VERSION), "");
  }

  /** Whether the handshake is done. */
  get ready(): boolean {
    return this.#state === "ready";
  }

  toToken(value: unknown): WireToken | null {
    if (!(value instanceof ServedRef)) return null;
    this.#sent.push(value.id);
    return [value.typeid, value.id, this.#host.id];
  }

  fromToken(token: WireToken): unknown {
    return this.#host.adopt(token);
  }

  /** Drops the connection; its references are released on `close`. */
  kill(): void {
    if (this.#state === "dead") return;
    this.#state = "dead";
    this.#socket.close();
    this.#closed(false);
  }

  /** `clientDone`: the client closed the connection, or is gone. */
  #closed(clientDone = true): void {
    this.#state = "dead";
    if (!this.caller.alive) return;
    if (this.#slot !== null) this.#host.slots?.release(this.#slot, clientDone);
    clearTimeout(this.#timer);
    this.#stream.close();
    this.caller.leave();
    this.#host.closed(this);
  }

  #receive(message: unknown[]): void {
    if (this.#state === "ready") {
      if (this.#paused) return void this.#backlog.push(message);
      return this.#request(message);
    }
    if (this.#state === "challenged" && message[0] === ANSWER) {
      this.#state = "verifying";
      return void this.#handshake(message);
    }
    this.kill();
  }

  async #handshake(message: unknown[]): Promise<void> {
    const host = this.#host;
    const theirs = await checkAnswer(
      host.authkey,
      PROTOCOL_VERSION,
      this.#question,
      message,
    );
    if (this.#state === "dead") return;
    if (!(theirs instanceof Uint8Array)) {
      const delay = theirs[1] === "version" ? 0 : host.limits.refusalDelay;
      return this.#refuse(theirs, delay);
    }
    if (!host.admit(this)) return this.kill();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const localKey = message[4];
    this.#local ||= localKey instanceof Uint8Array &&
      sameBytes(localKey, host.localKey);
    this.#state = "ready";
    this.#stream.limit = MAX_FRAME_BYTES;
    const extra: unknown[] = [host.id, this.#local ? host.localKey : null];
    const slot = host.slots?.open(message[5], this.#socket, this.events) ??
      null;
    if (slot !== null) extra.push(slot.slot, slot.nonce);
    const welcome = await welcomeMessage(host.authkey, theirs, extra);
    if ((this.#state as State) === "dead") {
      if (slot !== null) host.slots?.release(slot, true);
      return;
    }
    this.#stream.send(welcome, "");
    if (slot === null) return;
    // The welcome goes out on the first socket; the rest through the slot.
    this.#stream.flush();
    this.#slot = slot;
    this.#socket = slot.socket;
    this.#stream.attach(slot.socket);
  }

  /** Refuses after `delay` ms, which slows down guessing the authkey. */
  #refuse(refusal: Refused, delay: number): void {
    setTimeout(() => {
      if (this.#state === "dead") return;
      this.#stream.send(refusal, "");
      this.#stream.flush();
      this.kill();
    }, delay);
  }

  #request(message: unknown[]): void {
    const id = message[0];
    if (!Number.isSafeInteger(id) || (id as number) < 0) return this.kill();
    let result: unknown;
    try {
      result = this.#host.handle(this, message);
    } catch (error) {
      // A SyntaxError means the request itself is malformed.
      if (error instanceof SyntaxError) return this.kill();
      return this.#reply(id as number, FAILED, this.#error(error));
    }
    if (result instanceof Promise) {
      const host = this.#host;
      host.inflight++;
      result.then(
        (value) => this.#reply(id as number, OK, value),
        (error) => this.#reply(id as number, FAILED, this.#error(error)),
      ).finally(() => host.inflight--);
    } else {
      this.#reply(id as number, OK, result);
    }
  }

  /** A thrown value as this client may see it (stacks only in-process). */
  #error(error: unknown): EncodedThrown {
    const encoded = encodeThrown(error);
    if (!("error" in encoded) || this.#local || this.#host.debug) {
      return encoded;
    }
    const { name, message } = encoded.error;
    return { error: { ...encoded.error, stack: `${name}: ${message}` } };
  }

  #reply(id: number, status: typeof OK | typeof FAILED, value: unknown): void {
    if (id === 0 || this.#state === "dead") return;
    this.#sent.length = 0;
    try {
      this.#stream.send([id, status, value ?? null], "the reply");
    } catch (error) {
      this.#sent.length = 0;
      const why = `Cannot send the result to the client: ${
        (error as Error).message
      }`;
      const failed = error instanceof RangeError
        ? new RangeError(why)
        : new TypeError(why);
      this.#stream.send([id, FAILED, this.#error(failed)], "the reply");
    }
    for (const sent of this.#sent) this.#host.hold(this, sent);
    this.#sent.length = 0;
    this.#checkBackpressure();
  }

  /** Pauses a client that does not read; drops it if it stays stalled. */
  #checkBackpressure(): void {
    const { highWater, stallTimeout } = this.#host.limits;
    if (this.#paused || this.#stream.unsent <= highWater) return;
    this.#paused = true;
    this.#socket.pause();
    const since = performance.now();
    const poll = setInterval(() => {
      if (this.#state === "dead") return clearInterval(poll);
      if (this.#stream.unsent <= highWater / 2) {
        clearInterval(poll);
        this.#paused = false;
        this.#socket.resume();
        const backlog = this.#backlog;
        this.#backlog = [];
        for (const [i, message] of backlog.entries()) {
          if (this.#paused) {
            this.#backlog.push(...backlog.slice(i));
            break;
          }
          this.#request(message);
        }
      } else if (performance.now() - since > stallTimeout) {
        clearInterval(poll);
        this.kill();
      }
    }, 20);
  }
}
