import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Connection, EOFError, Pipe, Process } from "../../mod.ts";
import { fixture, sharedInts } from "../_helpers.ts";

const module = fixture("queue_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/queue_targets.ts");

describe("Pipe", () => {
  test("Connection.send() and recvAsync() round-trip values through a worker that echoes them", async () => {
    const [here, there] = Pipe();
    const flags = sharedInts();
    const p = new Process({
      target: targets.echo,
      args: [there, flags],
      module,
    });
    p.start();
    const values = [
      "hello",
      { n: 1, big: 2n ** 70n, when: new Date(5) },
      new Map([[1, new Set(["a"])]]),
      new Uint8Array(300_000).fill(7),
      undefined,
      [1, [2, [3]]],
    ];
    for (const value of values) {
      here.send(value);
      assert.deepEqual(await here.recvAsync(), value);
    }
    here.close();
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.equal(Atomics.load(flags, 0), 1);
  });

  test("Connection.recvBytes() returns each message whole, then throws EOFError once the sender closed", async () => {
    const [receiver, sender] = Pipe(false);
    const p = new Process({
      target: targets.sendBytesThenClose,
      args: [sender, 5, 100_000],
      module,
    });
    p.start();
    for (let i = 0; i < 5; i++) {
      const bytes = await receiver.recvBytesAsync();
      assert.equal(bytes.length, 100_000);
      assert.ok(bytes.every((b) => b === i));
    }
    await assert.rejects(receiver.recvBytesAsync(), {
      name: "EOFError",
      message:
        "Cannot receive bytes on Connection: the other end is closed and nothing is left",
    });
    await p.join();
    assert.equal(p.exitCode, 0);
  });

  test("Connection.recv() delivers what was sent before close(), then throws EOFError", () => {
    const [a, b] = Pipe();
    a.send(1);
    a.send("two");
    a.close();
    assert.equal(b.poll(), true);
    assert.equal(b.recv(), 1);
    assert.equal(b.recv(), "two");
    assert.equal(b.poll(), true);
    assert.throws(() => b.recv(), {
      name: "EOFError",
      message:
        "Cannot receive on Connection: the other end is closed and nothing is left",
    });
    assert.throws(() => b.recv(), EOFError);
    assert.throws(() => b.send(3), {
      name: "ProcessError",
      message: "Cannot send on Connection: the other end is closed",
    });
  });

  test("Connection.poll(timeoutMs) waits for a message and returns false when none came", async () => {
    const [a, b] = Pipe();
    assert.equal(b.poll(), false);
    const started = performance.now();
    assert.equal(b.poll(30), false);
    assert.ok(performance.now() - started >= 25);
    assert.equal(await b.pollAsync(20), false);
    setTimeout(() => a.send("late"), 20);
    assert.equal(await b.pollAsync(null), true);
    assert.equal(b.recv(), "late");
  });

  test("Connection.sendBytes() sends the chosen slice of any byte view", () => {
    const [a, b] = Pipe();
    a.sendBytes(new Uint16Array([1, 2, 3]), 2, 2);
    a.sendBytes(new Uint8Array([9, 8, 7]).buffer);
    assert.deepEqual(
      b.recvBytes(),
      new Uint8Array(new Uint16Array([2]).buffer),
    );
    assert.deepEqual(b.recvBytes(), new Uint8Array([9, 8, 7]));
  });
});

describe("Pipe bad input", () => {
  test("one-way ends refuse the other direction", () => {
    const [receiver, sender] = Pipe(false);
    assert.equal(receiver.writable, false);
    assert.equal(sender.readable, false);
    assert.throws(() => receiver.send(1), {
      name: "ProcessError",
      message: "Cannot send on Connection: it is read-only",
    });
    assert.throws(() => sender.recv(), {
      name: "ProcessError",
      message: "Cannot receive on Connection: it is write-only",
    });
  });

  test("a closed Connection refuses every call", async () => {
    const [a] = Pipe();
    a.close();
    a.close();
    assert.equal(a.closed, true);
    assert.throws(() => a.send(1), {
      name: "ProcessError",
      message: "Cannot send on Connection: it is closed",
    });
    await assert.rejects(a.recvAsync(), {
      name: "ProcessError",
      message: "Cannot receive on Connection: it is closed",
    });
    await assert.rejects(a.pollAsync(), {
      name: "ProcessError",
      message: "Cannot poll Connection: it is closed",
    });
  });

  test("Connection.send() of a function throws TypeError and the pipe stays usable", () => {
    const [a, b] = Pipe();
    assert.throws(() => a.send({ run: () => 1 }), {
      name: "TypeError",
      message:
        "Cannot send on Connection: it is not structured-cloneable, received function run",
    });
    a.send("ok");
    assert.equal(b.recv(), "ok");
  });

  test("bad arguments throw TypeError or RangeError", () => {
    const [a, b] = Pipe();
    assert.throws(() => b.poll("1" as never), {
      name: "TypeError",
      message:
        'Cannot poll Connection: timeout must be a number of milliseconds, received "1"',
    });
    assert.throws(() => a.sendBytes("abc" as never), {
      name: "TypeError",
      message:
        'Cannot send bytes on Connection: data must be bytes, received "abc"',
    });
    assert.throws(() => a.sendBytes(new Uint8Array(4), 2, 3), {
      name: "RangeError",
      message:
        "Cannot send bytes on Connection: offset and size must lie within the 4 bytes, received 2 and 3",
    });
    assert.throws(() => Pipe(1 as never), {
      name: "TypeError",
      message: "Cannot create Pipe: duplex must be a boolean, received 1",
    });
    assert.throws(() => new Connection(), {
      name: "TypeError",
      message: "Cannot create Connection: use Pipe() to make a connected pair",
    });
  });
});
