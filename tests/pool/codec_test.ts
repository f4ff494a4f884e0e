import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pool, Process, Value } from "../../mod.ts";
import {
  decode,
  encode,
  reduce,
  reduced,
  registerShareable,
} from "../../lib/_core/codec.ts";
import { fixture } from "../_helpers.ts";
import type { Looped } from "../fixtures/pool_tasks.ts";

const module = fixture("pool_tasks");
const tasks = await import(
  module.href
) as typeof import("../fixtures/pool_tasks.ts");

/** A shareable stand-in: reduces to its id, rebuilt as a fresh Token. */
class Token {
  constructor(readonly id: number) {}
  [reduce]() {
    return reduced("TestToken", this.id);
  }
}
registerShareable("TestToken", (state) => new Token(state as number));

function looped(counter: { value: number }): Looped {
  const value: Looped = { name: "loop", list: [], counter };
  value.self = value;
  value.list.push(value.list, counter);
  return value;
}

describe("codec", () => {
  test("encode() returns a value without shareables as it is, cycles included", () => {
    const cyclic: Record<string, unknown> = { a: [1, 2] };
    cyclic.me = cyclic;
    (cyclic.a as unknown[]).push(cyclic);
    assert.equal(encode(cyclic), cyclic);
    const flat = [1, "two", null];
    assert.equal(encode(flat), flat);
    assert.equal(decode(cyclic), cyclic);
  });

  test("encode() and decode() keep cycles, shared references and shareables", () => {
    const token = new Token(7);
    const inner: unknown[] = [token];
    const root: Record<string, unknown> = { inner, again: inner, token };
    inner.push(root);
    root.self = root;
    const encoded = encode(root) as Record<string, unknown>;
    assert.notEqual(encoded, root);
    assert.equal(root.token, token, "the input is not changed");
    assert.equal(encoded.self, encoded);
    assert.equal(encoded.inner, encoded.again);
    assert.equal((encoded.inner as unknown[])[1], encoded);
    const decoded = decode(structuredClone(encoded)) as typeof root;
    assert.equal(decoded.self, decoded);
    assert.equal(decoded.inner, decoded.again);
    assert.ok(decoded.token instanceof Token);
    assert.equal((decoded.token as Token).id, 7);
    // One shareable met twice is reduced once and rebuilt once.
    assert.equal((decoded.inner as unknown[])[0], decoded.token);
  });

  test("encode() and decode() handle nesting deeper than the call stack", () => {
    let deep: unknown[] = [new Token(1)];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let decoded = decode(encode(deep)) as unknown[];
    for (let i = 0; i < 100_000; i++) decoded = decoded[0] as unknown[];
    assert.ok(decoded[0] instanceof Token);
  });
});

describe("Pool and Process with circular values", () => {
  test("Pool task arguments and results keep their cycles and shared Values", async () => {
    await using pool = new Pool(2, { module });
    const counter = new Value("i", 0);
    const back = await pool.apply(tasks.loopBack, [looped(counter)]);
    assert.equal(back.self, back);
    assert.equal(back.list[0], back.list);
    assert.ok(back.counter instanceof Value);
    assert.equal(back.list[1], back.counter);
    assert.equal(back.name, "loop!");
    const many = await pool.map(
      tasks.loopBack,
      [looped(counter), looped(counter), looped(counter)],
      { chunksize: 2 },
    );
    assert.deepEqual(many.map((item) => item.self === item), [
      true,
      true,
      true,
    ]);
    assert.equal(counter.value, 4);
    (back.counter as Value<"i">).value += 10;
    assert.equal(counter.value, 14);
  });

  test("Process arguments keep their cycles and shared Values", async () => {
    const counter = new Value("i", 0);
    const p = new Process({
      target: tasks.loopBack,
      args: [looped(counter)],
      module,
    });
    p.start();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.equal(counter.value, 1);
  });
});
