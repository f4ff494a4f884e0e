// The handshake every socket of this library opens with — manager
// connections and `Listener`/`Client` alike. Both sides prove they know the
// authkey by answering a random challenge with its HMAC (Python's
// `deliver_challenge` and `answer_challenge`, in both directions), and
// announce their protocol, so a peer of another kind or version is refused
// with a clear error instead of misread.
//
// server → client  [CHALLENGE, question, version]
// client → server  [ANSWER, digest, question, version, ...extra]
// server → client  [WELCOME, digest, ...extra]  or  [REFUSED, reason, version]
import { answer, challenge, verify } from "./_auth.ts";

export const CHALLENGE = "challenge";
export const ANSWER = "answer";
export const WELCOME = "welcome";
export const REFUSED = "refused";

/** A protocol's version: the manager's is a number, a Listener's a string. */
export type Version = number | string;

export type Challenge = [
  kind: typeof CHALLENGE,
  question: Uint8Array,
  version: Version,
];
export type Answer = [
  kind: typeof ANSWER,
  digest: Uint8Array,
  question: Uint8Array,
  version: Version,
];
export type Welcome = [
  kind: typeof WELCOME,
  digest: Uint8Array,
  serverId: string,
];
/** Why a handshake failed: the key, or the version (with the server's). */
export type Refused = [
  kind: typeof REFUSED,
  reason?: "authkey" | "version",
  version?: Version,
];

/** What the client side of a handshake needs. */
export interface ClientHandshake {
  readonly authkey: Uint8Array;
  /** The protocol version this side speaks. */
  readonly version: Version;
  /** Fields appended to the answer. */
  readonly extra?: readonly unknown[];
  /** The next message received; rejects if the stream ended. */
  next(): Promise<unknown[]>;
  send(message: unknown[]): void;
  /** The error for a server that speaks `theirs` (not a Version if unknown). */
  versionError(theirs: unknown): Error;
  /** The error for a failed handshake: `auth` if it is about the authkey. */
  error(why: string, auth: boolean): Error;
}

function expect(
  message: unknown[],
  kind: string,
  side: ClientHandshake,
): unknown[] {
  if (message[0] === REFUSED) {
    if (message[1] === "version") throw side.versionError(message[2]);
    throw side.error("the server rejected the digest (wrong authkey)", true);
  }
  if (message[0] !== kind) {
    throw side.error("unexpected handshake message", false);
  }
  return message;
}

/**
 * Runs the client side: answers the server's challenge, challenges it in
 * turn, and resolves with its welcome once it proved it knows the authkey.
 */
export async function clientHandshake(
  side: ClientHandshake,
): Promise<unknown[]> {
  const [, question, version] = expect(await side.next(), CHALLENGE, side);
  if (version !== side.version) throw side.versionError(version);
  if (!(question instanceof Uint8Array)) {
    throw side.error("malformed challenge", false);
  }
  const mine = challenge();
  side.send([
    ANSWER,
    await answer(side.authkey, question),
    mine,
    side.version,
    ...side.extra ?? [],
  ]);
  const welcome = expect(await side.next(), WELCOME, side);
  if (!await verify(side.authkey, mine, welcome[1])) {
    throw side.error("the server did not prove it knows the authkey", true);
  }
  return welcome;
}

/** The server's first message: a fresh `question` and its version. */
export function challengeMessage(
  question: Uint8Array,
  version: Version,
): Challenge {
  return [CHALLENGE, question, version];
}

/**
 * Checks a client's answer to `question`: resolves with the client's own
 * challenge if it proved it knows `authkey`, else with the refusal to send.
 */
export async function checkAnswer(
  authkey: Uint8Array,
  version: Version,
  question: Uint8Array,
  message: unknown[],
): Promise<Uint8Array | Refused> {
  const [kind, digest, theirs, theirVersion] = message;
  if (kind === ANSWER && theirVersion !== version) {
    return [REFUSED, "version", version];
  }
  const ok = kind === ANSWER && await verify(authkey, question, digest);
  if (!ok || !(theirs instanceof Uint8Array)) return [REFUSED, "authkey"];
  return theirs;
}

/** The welcome that proves the server knows `authkey` too. */
export async function welcomeMessage(
  authkey: Uint8Array,
  theirs: Uint8Array,
  extra: readonly unknown[],
): Promise<unknown[]> {
  return [WELCOME, await answer(authkey, theirs), ...extra];
}
