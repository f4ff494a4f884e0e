// Unit tests of how values and errors cross a thread boundary.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  decode,
  decodeThrown,
  encode,
  encodeThrown,
} from "../../lib/_core/codec.ts";
import { loadShareables } from "../../lib/_core/shareables.ts";
import { Empty } from "../../lib/errors.ts";
import { Lock } from "../../lib/sync/lock.ts";

describe("codec", () => {
  test("encode() returns values without shareables as they are (nothing copied)", () => {
    const value = { a: [1, 2, { b: "c" }], d: new Map([[1, 2]]) };
    assert.equal(encode(value), value);
    assert.equal(encode(5), 5);
  });

  test("encode() and decode() carry a Lock inside arrays and objects as the same lock", () => {
    const lock = new Lock();
    const value = { locks: [lock, 1], n: 2 };
    const sent = structuredClone(encode(value)) as typeof value;
    assert.notEqual(sent, value);
    const back = decode(sent) as typeof value;
    assert.ok(back.locks[0] instanceof Lock);
    lock.acquire();
    assert.equal(
      (back.locks[0] as Lock).acquire({ timeout: -1 }),
      false,
    );
    lock.release();
    assert.equal(back.n, 2);
  });

  test("decode() names an unknown kind", () => {
    assert.throws(
      () => decode({ __seedMultiprocessingShared__: "Nope", state: 1 }),
      {
        name: "TypeError",
        message: 'Cannot rebuild shared object: unknown kind, received "Nope"',
      },
    );
  });

  test("encodeThrown() and decodeThrown() keep class, message, own properties and the remote stack", () => {
    const error = Object.assign(new Empty("nothing here"), { code: 7 });
    const back = decodeThrown(structuredClone(encodeThrown(error))) as Empty;
    assert.ok(back instanceof Empty);
    assert.equal(back.name, "Empty");
    assert.equal(back.message, "nothing here");
    assert.equal((back as unknown as { code: number }).code, 7);
    assert.equal(back.stack, error.stack);
    assert.equal((back.cause as Error).name, "RemoteTraceback");
    const custom = new Error("mine");
    custom.name = "MyError";
    const rebuilt = decodeThrown(encodeThrown(custom)) as Error;
    assert.equal(rebuilt.constructor, Error);
    assert.equal(rebuilt.name, "MyError");
    assert.equal(decodeThrown(encodeThrown("text")), "text");
  });

  test("loadShareables() is null when every kind inside is loaded, and loads listed kinds", async () => {
    assert.equal(loadShareables({ a: [1, "x", new Lock()] }), null);
    assert.equal(loadShareables(encode([new Lock()])), null);
    // Barrier may be loaded already when test files share a process (Bun).
    const barrier = { __seedMultiprocessingShared__: "Barrier", state: null };
    const unknown = { __seedMultiprocessingShared__: "Nope", state: null };
    await loadShareables([barrier, { unknown }]);
    assert.equal(loadShareables([barrier]), null);
    assert.equal(
      loadShareables([unknown]),
      null,
      "unknown kinds are left to decode()",
    );
  });
});
