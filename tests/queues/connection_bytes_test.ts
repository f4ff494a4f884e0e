import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BufferTooShort, Pipe, ProcessError } from "../../mod.ts";

describe("Connection.recvBytes(maxlength) and recvBytesInto()", () => {
  test("recvBytesInto(buffer, offset) writes the message at a byte offset and returns its length", async () => {
    const [a, b] = Pipe();
    a.sendBytes(new Uint8Array([1, 2, 3]));
    const buffer = new Uint8Array(8);
    assert.equal(b.recvBytesInto(buffer, 2), 3);
    assert.deepEqual([...buffer], [0, 0, 1, 2, 3, 0, 0, 0]);
    a.sendBytes(new Uint8Array([9, 9, 9, 9]));
    const ints = new Int32Array(3);
    assert.equal(await b.recvBytesIntoAsync(ints, 4), 4);
    assert.deepEqual([...ints], [0, 0x09090909, 0]);
    a.sendBytes(new Uint8Array([7]));
    const raw = new ArrayBuffer(2);
    assert.equal(b.recvBytesInto(raw), 1);
    assert.deepEqual([...new Uint8Array(raw)], [7, 0]);
  });

  test("recvBytesInto() of a message longer than the room throws BufferTooShort carrying the whole message", async () => {
    const [a, b] = Pipe();
    a.sendBytes(new Uint8Array([1, 2, 3, 4, 5]));
    a.sendBytes(new Uint8Array([6]));
    const buffer = new Uint8Array(6);
    let caught: unknown;
    try {
      b.recvBytesInto(buffer, 2);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof BufferTooShort);
    assert.ok(caught instanceof ProcessError);
    assert.equal(
      caught.message,
      "Cannot receive bytes into a buffer on Connection: the message is 5 bytes, more than the 4 bytes from offset 2 of the buffer",
    );
    assert.deepEqual(caught.data, new Uint8Array([1, 2, 3, 4, 5]));
    assert.deepEqual([...buffer], [0, 0, 0, 0, 0, 0]); // untouched
    assert.equal(await b.recvBytesIntoAsync(buffer), 1); // the pipe goes on
    assert.equal(buffer[0], 6);
  });

  test("recvBytes(maxlength) throws BufferTooShort carrying a longer message, and the pipe goes on", async () => {
    const [a, b] = Pipe();
    a.sendBytes(new Uint8Array(10).fill(1));
    a.sendBytes(new Uint8Array([2, 2]));
    a.sendBytes(new Uint8Array(5).fill(3));
    assert.throws(() => b.recvBytes(4), {
      name: "BufferTooShort",
      message:
        "Cannot receive bytes on Connection: the message is 10 bytes, more than maxlength 4",
      data: new Uint8Array(10).fill(1),
    });
    assert.deepEqual(b.recvBytes(2), new Uint8Array([2, 2]));
    await assert.rejects(b.recvBytesAsync(4), BufferTooShort);
  });

  test("bad arguments throw TypeError or RangeError before anything is received", () => {
    const [a, b] = Pipe();
    a.sendBytes(new Uint8Array([1]));
    assert.throws(() => b.recvBytes(-1), {
      name: "RangeError",
      message:
        "Cannot receive bytes on Connection: maxlength must be an integer >= 0, received -1",
    });
    assert.throws(() => b.recvBytesInto([0, 0] as never), {
      name: "TypeError",
      message:
        "Cannot receive bytes into a buffer on Connection: buffer must be bytes, received an array of length 2",
    });
    assert.throws(() => b.recvBytesInto(new Uint8Array(4), 5), {
      name: "RangeError",
      message:
        "Cannot receive bytes into a buffer on Connection: offset must be an integer from 0 to 4, received 5",
    });
    assert.deepEqual(b.recvBytes(), new Uint8Array([1]));
  });
});
