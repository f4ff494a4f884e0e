// The manager protocol, both sides: the handshake, the operations a client
// may request, and the shape of every request and reply. Each message is a
// MessagePack array sent as one frame (see _wire.ts).
import { decodeThrown, type EncodedThrown } from "../_core/codec.ts";
import { RemoteError } from "../errors.ts";

/**
 * The protocol version both sides announce in the handshake; a peer of
 * another version is refused with a clear error instead of misread.
 */
export const PROTOCOL_VERSION = 2;

// ── Handshake ───────────────────────────────────────────────────────────
// The one handshake of every socket this library opens (see
// ../connection/_handshake.ts); the manager announces PROTOCOL_VERSION.
export {
  ANSWER,
  type Answer,
  CHALLENGE,
  type Challenge,
  REFUSED,
  type Refused,
  WELCOME,
  type Welcome,
} from "../connection/_handshake.ts";

// ── Operations ──────────────────────────────────────────────────────────
// client → server  [requestId, op, ...arguments]; requestId 0 = no reply

/** `[id, CALL, objectId, method, args]`: runs a method of a served object. */
export const CALL = 1;
/** `[id, CREATE, typeid, args]`: builds an object; replies its token. */
export const CREATE = 2;
/** `[0, INCREF, objectId]`: one more reference held by this client. */
export const INCREF = 3;
/** `[0, DECREF, objectId]`: one reference of this client dropped. */
export const DECREF = 4;
/**
 * `[0, LEND, objectId, loanKey]`: hold the object for a proxy in transit
 * to another thread, until UNLEND with the same key (or this client leaves).
 */
export const LEND = 5;
/** `[0, UNLEND, loanKey]`: the proxy in transit has attached. */
export const UNLEND = 6;
/** `[id, SHUTDOWN]`: stop the server once this reply is sent. */
export const SHUTDOWN = 7;
/** `[id, STATS]`: counts for tests and debugging (objects, sessions). */
export const STATS = 8;

/** Every operation code. */
export type Operation =
  | typeof CALL
  | typeof CREATE
  | typeof INCREF
  | typeof DECREF
  | typeof LEND
  | typeof UNLEND
  | typeof SHUTDOWN
  | typeof STATS;

export type CallRequest = [
  id: number,
  op: typeof CALL,
  object: number,
  method: string,
  args: unknown[],
];
export type CreateRequest = [
  id: number,
  op: typeof CREATE,
  typeid: string,
  args: unknown[],
];
export type RefRequest = [
  id: 0,
  op: typeof INCREF | typeof DECREF,
  object: number,
];
export type LendRequest = [id: 0, op: typeof LEND, object: number, key: string];
export type UnlendRequest = [id: 0, op: typeof UNLEND, key: string];
export type ControlRequest = [id: number, op: typeof SHUTDOWN | typeof STATS];

/** Every request a client sends after the handshake. */
export type Request =
  | CallRequest
  | CreateRequest
  | RefRequest
  | LendRequest
  | UnlendRequest
  | ControlRequest;

// server → client  [requestId, OK, value]  or  [requestId, FAILED, error]

/** The request succeeded; the value follows. */
export const OK = 0;
/** The request failed; an {@linkcode EncodedThrown} follows. */
export const FAILED = 1;

export type Reply =
  | [id: number, status: typeof OK, value: unknown]
  | [id: number, status: typeof FAILED, error: EncodedThrown];

function isEncodedThrown(value: unknown): value is EncodedThrown {
  if (typeof value !== "object" || value === null) return false;
  if ("value" in value) return true;
  const error = (value as { error?: Record<string, unknown> }).error;
  return typeof error === "object" && error !== null &&
    typeof error.name === "string" && typeof error.message === "string" &&
    typeof error.stack === "string" &&
    typeof error.props === "object" && error.props !== null;
}

/** A server's error as the local object would have thrown it. */
export function serverError(value: unknown): unknown {
  if (isEncodedThrown(value)) return decodeThrown(value);
  return new RemoteError("The manager failed with an error it could not send");
}

/** What {@linkcode STATS} replies. */
export interface ServerStats {
  /** Objects alive on the server. */
  readonly objects: number;
  /** Client connections, authenticated or not. */
  readonly sessions: number;
  /** Calls waiting on the server (lock, queue, event, ... waits). */
  readonly waiting: number;
  /** Connections of this OS process that use a shared-memory slot. */
  readonly slots: number;
}

// ── Limits ──────────────────────────────────────────────────────────────

export {
  HANDSHAKE_FRAME_BYTES,
  MAX_FRAME_BYTES,
} from "../connection/_frames.ts";
