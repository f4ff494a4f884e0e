import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EOFError, Pipe, Pool, Process } from "../../mod.ts";
import { fixture, sharedInts, waitUntil, within } from "../_helpers.ts";

const module = fixture("queue_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/queue_targets.ts");

describe("Connection handles (one per thread, as in Python)", () => {
  test("the parent's close() of the end it passed to a Process leaves the child's handle working", async () => {
    const [here, there] = Pipe();
    const flags = sharedInts();
    const p = new Process({
      target: targets.echo,
      args: [there, flags],
      module,
    });
    p.start();
    there.close(); // Python's `child_conn.close()` after `p.start()`
    assert.equal(there.closed, true);
    for (const value of ["a", { b: [1, 2] }, 3n]) {
      here.send(value);
      assert.deepEqual(await within(here.recvAsync(), 10_000, "echo"), value);
    }
    here.close();
    await within(p.join(), 10_000, "join");
    assert.equal(p.exitCode, 0);
    assert.equal(Atomics.load(flags, 0), 1); // the child saw EOF
  });

  test("recv() throws EOFError once the child that held the other end has returned", async () => {
    const [here, there] = Pipe();
    const p = new Process({
      target: targets.sendThenReturn,
      args: [there, 3],
      module,
    });
    p.start();
    there.close();
    for (let i = 0; i < 3; i++) {
      assert.equal(await within(here.recvAsync(), 10_000, "recv"), i);
    }
    await assert.rejects(within(here.recvAsync(), 10_000, "EOF"), EOFError);
    await p.join();
  });

  test("recv() throws EOFError once the child that held the other end is terminated", async () => {
    const [here, there] = Pipe();
    const cells = sharedInts();
    const p = new Process({
      target: targets.holdOpen,
      args: [there, cells],
      module,
    });
    p.start();
    there.close();
    await waitUntil(() => Atomics.load(cells, 0) === 1);
    assert.equal(await here.pollAsync(100), false);
    const eof = within(here.recvAsync(), 10_000, "EOF");
    await p.terminate();
    await assert.rejects(eof, {
      name: "EOFError",
      message:
        "Cannot receive on Connection: the other end is closed and nothing is left",
    });
  });

  test("recv() throws EOFError once the pool whose worker held the other end is terminated", async () => {
    const [here, there] = Pipe();
    const pool = new Pool(1, { module });
    assert.equal(await pool.apply(targets.keepEnd, [there]), true);
    there.close();
    assert.equal(await here.pollAsync(100), false); // the worker holds it
    const eof = within(here.recvAsync(), 10_000, "EOF");
    await pool.terminate();
    await assert.rejects(eof, {
      name: "EOFError",
      message:
        "Cannot receive on Connection: the other end is closed and nothing is left",
    });
  });

  test("an end stays open while any thread holds it: the child's close() or exit alone is no EOF", async () => {
    const [here, there] = Pipe();
    const cells = sharedInts();
    const p = new Process({
      target: targets.closeAndReturn,
      args: [there, cells],
      module,
    });
    p.start();
    await p.join();
    assert.equal(Atomics.load(cells, 0), 1);
    assert.equal(await here.pollAsync(100), false); // this thread still holds `there`
    there.send("mine");
    assert.equal(here.recv(), "mine");
    there.close();
    assert.equal(here.poll(), true);
    assert.throws(() => here.recv(), EOFError);
    assert.throws(() => here.send(1), {
      name: "ProcessError",
      message: "Cannot send on Connection: the other end is closed",
    });
  });

  test("a closed Connection cannot be passed to a Process", () => {
    const [, there] = Pipe();
    there.close();
    const p = new Process({
      target: targets.echo,
      args: [there, sharedInts()],
      module,
    });
    assert.throws(() => p.start(), {
      name: "ProcessError",
      message: "Cannot send Connection to another thread: it is closed",
    });
  });
});
