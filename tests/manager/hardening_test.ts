// The manager as a network service: oversized calls fail alone, idle and
// unauthenticated sockets are timed out and capped, a client that does not
// read is paused then dropped, frames that would cost too much to decode
// are refused, and peers of another protocol version are refused clearly.
// Every attack here runs on loopback, bounded in count and time.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createServer } from "node:net";
import { Manager, SyncManager } from "../../mod.ts";
import { ManagerClient } from "../../lib/manager/_client.ts";
import {
  CALL,
  CHALLENGE,
  CREATE,
  MAX_FRAME_BYTES,
  REFUSED,
  type ServerStats,
  STATS,
  WELCOME,
} from "../../lib/manager/_protocol.ts";
import { syncTypes } from "../../lib/manager/_served/objects.ts";
import { ManagerServer } from "../../lib/manager/_server.ts";
import { WireCodec } from "../../lib/connection/_wire.ts";
import { frameOf, RawClient } from "./_raw.ts";
import { within } from "../_helpers.ts";

const LIMIT = /over the manager's limit of 67108864 bytes \(64 MiB\)$/;
const codec = new WireCodec({ toToken: () => null, fromToken: (t) => t });
const LOOPBACK = { hostname: "127.0.0.1", port: 0 };

/** A server in this thread with small limits, for the slow tests. */
async function smallServer(): Promise<ManagerServer> {
  const server = new ManagerServer({
    address: LOOPBACK,
    authkey: new TextEncoder().encode("k"),
    ...syncTypes([]),
    limits: { stallTimeout: 300, highWater: 1024 * 1024 },
  });
  await server.listen();
  return server;
}

/** An authenticated raw client of `server` that owns a list of `items`. */
async function rawWithList(
  server: ManagerServer,
  items: unknown[],
): Promise<[RawClient, number]> {
  const raw = await RawClient.open(server.address!);
  assert.equal((await raw.handshake("k"))[0], WELCOME);
  raw.send([1, CREATE, "list", [items]]);
  const [, status, id] = await raw.next();
  assert.equal(status, 0);
  return [raw, id as number];
}

describe("Manager: hardened like a network service", () => {
  const servers: ManagerServer[] = [];
  after(() => servers.forEach((server) => server.shutdown()));

  test("a call over 64 MiB rejects with RangeError naming the limit; the connection and other proxies go on", async () => {
    await using manager = await Manager();
    const list = await manager.list<string>();
    const other = await manager.dict({ a: 1 });
    const huge = "x".repeat(MAX_FRAME_BYTES);
    await assert.rejects(within(list.append(huge), 15_000, "append"), {
      name: "RangeError",
      message: LIMIT,
    });
    assert.equal(await list.length(), 0);
    assert.equal(await other.get("a"), 1);
    // Over TCP too.
    const remote = new ManagerClient(manager.address, manager.authkey);
    await assert.rejects(
      within(remote.request(CALL, list.id, "append", [huge]), 15_000, "tcp"),
      { name: "RangeError", message: LIMIT },
    );
    // A reply over the limit fails that call only.
    const half = "y".repeat(MAX_FRAME_BYTES / 2 + 1);
    await list.append(half);
    await list.append(half);
    await assert.rejects(within(list.toArray(), 15_000, "reply"), {
      name: "RangeError",
      message:
        /^Cannot send the result to the client: .*over the manager's limit/,
    });
    assert.equal(await list.length(), 2);
    assert.equal(
      await remote.request(CALL, list.id, "length", []),
      2,
    );
    remote.close();
  });

  test("an idle or half-done handshake is dropped within seconds; unauthenticated sockets are capped, clients still get in", async () => {
    await using manager = await Manager();
    const idle: RawClient[] = [];
    for (let i = 0; i < 150; i++) {
      idle.push(await RawClient.open(manager.address));
      if (i % 2 === 1) idle[i].write(new Uint8Array([0, 0, 1])); // a truncated header
    }
    const client = new ManagerClient(manager.address, manager.authkey);
    await within(client.ready, 5_000, "a client among 150 idle sockets");
    assert.equal(
      typeof await client.request(CREATE, "list", [[1]]),
      "number",
    );
    client.close();
    await within(
      Promise.all(idle.map((raw) => raw.closed)),
      6_000,
      "every idle socket dropped",
    );
  });

  test("a client that never reads its replies is paused, then dropped; others are served", async () => {
    const server = await smallServer();
    servers.push(server);
    const [raw, id] = await rawWithList(server, ["z".repeat(100_000)]);
    raw.socket.pause();
    for (let i = 0; i < 2_000; i++) raw.send([i + 2, CALL, id, "toArray", []]);
    // Its socket does not read, so it may not see the close: ask the server.
    const [other, otherId] = await rawWithList(server, [1]);
    const deadline = Date.now() + 10_000;
    for (let i = 2;; i++) {
      other.send([i, STATS]);
      const [, , stats] = await other.next() as [number, number, ServerStats];
      if (stats.sessions === 1) break;
      assert.ok(Date.now() < deadline, "the stalled client was never dropped");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    other.send([1, CALL, otherId, "length", []]);
    assert.deepEqual(await other.next(), [1, 0, 1]);
    other.destroy();
    raw.destroy();
  });

  test("frames that would cost too much to decode are refused at once: depth, bigint digits, containers", async () => {
    const server = await smallServer();
    servers.push(server);
    const deep = new Uint8Array(1_001).fill(0x91);
    deep[1_000] = 0xc0;
    const digits = codec.body("9".repeat(10_000_000)).slice();
    const bigint = new Uint8Array(6 + digits.length);
    bigint.set([0xc9, ...new Uint8Array(4), 1]);
    new DataView(bigint.buffer).setUint32(1, digits.length);
    bigint.set(digits, 6);
    const wide = new Uint8Array(5 + 2_000_000).fill(0x90);
    wide[0] = 0xdd;
    new DataView(wide.buffer).setUint32(1, 2_000_000);
    for (
      const [what, value] of [["deep", deep], ["bigint", bigint], [
        "wide",
        wide,
      ]] as const
    ) {
      const [raw, id] = await rawWithList(server, []);
      const head = codec.body([2, CALL, id, "append"]).slice();
      // [2, CALL, id, "append", [value]]: a 5-array whose last item is a 1-array.
      head[0] = 0x95;
      const body = new Uint8Array(head.length + 1 + value.length);
      body.set(head);
      body[head.length] = 0x91;
      body.set(value, head.length + 1);
      const started = performance.now();
      raw.write(frameOf(body));
      await within(raw.closed, 5_000, `a ${what} frame refused`);
      assert.ok(performance.now() - started < 1_000, `${what} took too long`);
    }
    const [raw, id] = await rawWithList(server, [1]);
    raw.send([2, CALL, id, "length", []]);
    assert.deepEqual(await raw.next(), [2, 0, 1]);
    raw.destroy();
  });

  test("a peer of another protocol version is refused with a clear error", async () => {
    await using manager = await Manager();
    const raw = await RawClient.open(manager.address);
    const [, question] = await raw.next() as [string, Uint8Array, number];
    assert.ok(question instanceof Uint8Array);
    raw.send(["answer", new Uint8Array(32), new Uint8Array(32), 1]);
    assert.deepEqual(await raw.next(), [REFUSED, "version", 2]);
    await raw.closed;
    // An old server (version 1 sent no version in its challenge).
    const old = createServer((socket) => {
      socket.write(codec.frame([CHALLENGE, new Uint8Array(32)]));
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => old.listen(0, "127.0.0.1", resolve));
    const port = (old.address() as { port: number }).port;
    const client = new SyncManager({ address: { port }, authkey: "k" });
    await assert.rejects(client.connect(), {
      name: "ProcessError",
      message:
        `Cannot connect to manager at 127.0.0.1:${port}: it speaks manager protocol version 1, this client version 2 (the two sides run different versions of @seed/multiprocessing)`,
    });
    old.close();
  });

  test("a wrong authkey is refused only after a delay (slows online guessing)", async () => {
    await using manager = await Manager();
    for (let i = 0; i < 4; i++) {
      const raw = await RawClient.open(manager.address);
      const started = performance.now();
      assert.deepEqual(await raw.handshake("guess"), [REFUSED, "authkey"]);
      assert.ok(performance.now() - started >= 200);
      await raw.closed;
    }
  });

  test("BaseManager({ maxConnections }) caps connections overall; a client over the cap is refused, the others go on", async () => {
    const manager = new SyncManager({ authkey: "k", maxConnections: 2 });
    await manager.start();
    try {
      const list = await manager.list([1]);
      const first = await RawClient.open(manager.address);
      assert.equal((await first.handshake("k"))[0], WELCOME);
      const second = await RawClient.open(manager.address);
      await within(second.closed, 5_000, "the connection over the cap closed");
      assert.equal(await list.length(), 1);
      first.destroy();
    } finally {
      await manager.shutdown();
    }
  });
});
