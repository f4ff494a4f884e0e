// The cryptography of the handshake (see _handshake.ts): both sides prove
// they know the `authkey` by answering a random challenge with its
// HMAC-SHA256 (Web Crypto), like Python's `deliver_challenge` and
// `answer_challenge`, in both directions.

const CHALLENGE_BYTES = 32;

/** A fresh random challenge. */
export function challenge(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(CHALLENGE_BYTES));
}

/** Makes `authkey` into bytes; a string is UTF-8 encoded. */
export function authkeyBytes(authkey: Uint8Array | string): Uint8Array {
  return typeof authkey === "string"
    ? new TextEncoder().encode(authkey)
    : authkey;
}

// No return type: Node's type library has no global `CryptoKey`.
// deno-lint-ignore explicit-function-return-type
function importKey(authkey: Uint8Array) {
  return crypto.subtle.importKey(
    "raw",
    authkey as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/** The answer to `challenge`: HMAC-SHA256(authkey, challenge). */
export async function answer(
  authkey: Uint8Array,
  question: Uint8Array,
): Promise<Uint8Array> {
  const key = await importKey(authkey);
  return new Uint8Array(
    await crypto.subtle.sign("HMAC", key, question as Uint8Array<ArrayBuffer>),
  );
}

/** Whether `digest` answers `question` (constant-time comparison). */
export async function verify(
  authkey: Uint8Array,
  question: Uint8Array,
  digest: unknown,
): Promise<boolean> {
  if (!(digest instanceof Uint8Array)) return false;
  const key = await importKey(authkey);
  return crypto.subtle.verify(
    "HMAC",
    key,
    digest as Uint8Array<ArrayBuffer>,
    question as Uint8Array<ArrayBuffer>,
  );
}

/** Whether two byte strings are equal, in time independent of where they differ. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i];
  return diff === 0;
}
