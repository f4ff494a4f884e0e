// Unit tests of the manager's wire plumbing: the codec's extensions, the
// decode budget, the frame reader and its shared budget, and the worker
// channel made to look like a socket.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkBudget, MAX_DEPTH } from "../../lib/connection/_budget.ts";
import { channelEnd } from "../../lib/manager/_channel.ts";
import { FrameReader } from "../../lib/connection/_frames.ts";
import { WireCodec } from "../../lib/connection/_wire.ts";

const codec = new WireCodec({ toToken: () => null, fromToken: (t) => t });

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe("manager wire format", () => {
  test("WireCodec round-trips bigints, Maps, Sets, Dates and own __proto__ keys", () => {
    const proto = JSON.parse(
      '{"__proto__": {"x": 1}, "a": [2n]}'.replace("2n", "2"),
    );
    const value = [
      12345678901234567890n,
      new Map<unknown, unknown>([["k", new Set([1, 2])]]),
      new Date(0),
      proto,
    ];
    const [big, map, date, back] = codec.decode(codec.body(value)) as [
      bigint,
      Map<string, Set<number>>,
      Date,
      Record<string, unknown>,
    ];
    assert.equal(big, 12345678901234567890n);
    assert.deepEqual(map, new Map([["k", new Set([1, 2])]]));
    assert.deepEqual(date, new Date(0));
    assert.deepEqual(Object.keys(back), ["__proto__", "a"]);
    assert.deepEqual(
      Object.getOwnPropertyDescriptor(back, "__proto__")?.value,
      {
        x: 1,
      },
    );
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
  });

  test("checkBudget() allows the encoder's depth and refuses one more", () => {
    // 100 arrays in one another: the most the encoder writes.
    assert.doesNotThrow(() => checkBudget(codec.body(nested(MAX_DEPTH - 1))));
    assert.throws(() => codec.body(nested(MAX_DEPTH)), /Too deep/);
    const tooDeep = new Uint8Array(MAX_DEPTH + 2).fill(0x91);
    tooDeep[MAX_DEPTH + 1] = 0xc0;
    assert.throws(() => checkBudget(tooDeep), {
      name: "RangeError",
      message: "the frame nests deeper than 100",
    });
  });

  test("checkBudget() refuses long bigints, too many containers, and cut frames", () => {
    assert.throws(() => checkBudget(codec.body(10n ** 100_001n)), {
      name: "RangeError",
      message: "the frame has more than 100000 bigint digits",
    });
    assert.doesNotThrow(() => checkBudget(codec.body(10n ** 99_000n)));
    const wide = new Uint8Array(5 + 2 ** 20 + 1).fill(0x90);
    wide[0] = 0xdd;
    new DataView(wide.buffer).setUint32(1, 2 ** 20 + 1);
    assert.throws(() => checkBudget(wide), {
      name: "RangeError",
      message: "the frame has more than 1048576 arrays and maps",
    });
    const cut = new Uint8Array(3 + 150).fill(0x01);
    cut.set([0xdc, 0, 200]); // 200 items announced, 150 sent
    assert.throws(() => checkBudget(cut), {
      name: "SyntaxError",
      message: "the frame is cut short",
    });
    assert.throws(() => codec.decode(new Uint8Array([0xc1])), /type byte/);
  });

  test("FrameReader cuts frames across chunks and refuses one over its limit", () => {
    const bodies: number[][] = [];
    const reader = new FrameReader((body) => bodies.push([...body]));
    const bytes = new Uint8Array([0, 0, 0, 2, 7, 8, 0, 0, 0, 1, 9]);
    for (const byte of bytes) {
      assert.equal(reader.push(new Uint8Array([byte])), null);
    }
    assert.deepEqual(bodies, [[7, 8], [9]]);
    reader.limit = 4;
    assert.equal(
      reader.push(new Uint8Array([0, 0, 0, 5])),
      "a frame is larger than 4 bytes",
    );
  });

  test("FrameReader stops a connection that would take the shared partial-frame budget past its cap", () => {
    const budget = { held: 0, limit: 10 };
    const a = new FrameReader(() => {}, { budget });
    const b = new FrameReader(() => {}, { budget });
    assert.equal(a.push(new Uint8Array([0, 0, 1, 0, 1, 2])), null);
    assert.equal(budget.held, 6);
    assert.equal(
      b.push(new Uint8Array([0, 0, 1, 0, 1])),
      "the server holds more than 10 bytes of partial frames",
    );
    assert.equal(budget.held, 6);
    a.release();
    assert.equal(budget.held, 0);
  });

  test("channelEnd() passes bytes both ways; an empty chunk is the end of the stream", () => {
    const log: string[] = [];
    const ends: ReturnType<typeof channelEnd>[] = [];
    const end = channelEnd({ post: (bytes) => ends[0].receive(bytes) }, {
      data: (bytes) => log.push(`a got ${bytes.length}`),
      close: () => log.push("a closed"),
    });
    const other = channelEnd({ post: (bytes) => end.receive(bytes) }, {
      data: (bytes) => log.push(`b got ${bytes.length}`),
      close: () => log.push("b closed"),
    });
    ends.push(other);
    end.socket.write(new Uint8Array(3));
    other.socket.write(new Uint8Array(2));
    end.socket.close();
    end.socket.write(new Uint8Array(1));
    assert.deepEqual(log, ["b got 3", "a got 2", "b closed", "a closed"]);
  });
});
