import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  AuthenticationError,
  BaseManager,
  BufferTooShort,
  Client,
  EOFError,
  Listener,
  Lock,
  Manager,
  Process,
  ProcessError,
  type SocketAddress,
  SocketConnection,
  SocketListener,
  wait,
} from "../../mod.ts";
import { fixture, runFixture, runProcesses } from "../_helpers.ts";

const module = fixture("connection_targets");
const targets = await import(
  module.href
) as typeof import("../fixtures/connection_targets.ts");

const AUTHKEY = "test-secret";

/** A connected pair: [the client's end, the listener's end]. */
async function pair(
  options: Parameters<typeof Listener>[0] = { authkey: AUTHKEY },
): Promise<
  [SocketConnection, SocketConnection, Awaited<ReturnType<typeof Listener>>]
> {
  const listener = await Listener(options);
  const accepted = listener.acceptAsync();
  const client = await Client(listener.address, {
    authkey: options?.authkey,
  });
  return [client, await accepted, listener];
}

describe("Listener and Client", () => {
  test("send() and recvAsync() carry MessagePack values both ways, in order", async () => {
    const [client, server, listener] = await pair();
    const value = {
      n: 1.5,
      big: -(2n ** 80n),
      bytes: new Uint8Array([0, 255]),
      map: new Map<unknown, unknown>([[1, "one"]]),
      set: new Set(["a"]),
      nested: [null, true, "é", { deep: [1] }],
    };
    for (let i = 0; i < 100; i++) client.send(i);
    client.send(value);
    for (let i = 0; i < 100; i++) assert.equal(await server.recvAsync(), i);
    assert.deepEqual(await server.recvAsync(), value);
    server.send("back");
    assert.equal(await client.recvAsync(), "back");
    client.close();
    server.close();
    listener.close();
  });

  test("a listener may send the moment it accepts, more than the handshake's 1 KiB", async () => {
    await using listener = await Listener({ authkey: AUTHKEY });
    const serving = listener.acceptAsync().then((conn) => {
      conn.send("at once");
      conn.sendBytes(new Uint8Array(3000).fill(1));
      return conn;
    });
    await using client = await Client(listener.address, { authkey: AUTHKEY });
    assert.equal(await client.recvAsync(), "at once");
    assert.deepEqual(
      await client.recvBytesAsync(),
      new Uint8Array(3000).fill(1),
    );
    (await serving).close();
  });

  test("sendBytes(), recvBytes(maxlength) and recvBytesInto(buffer, offset) work as Python's", async () => {
    const [client, server, listener] = await pair();
    client.sendBytes(new Uint8Array([9, 1, 2, 3, 9]), 1, 3);
    assert.deepEqual(await server.recvBytesAsync(), new Uint8Array([1, 2, 3]));
    client.sendBytes(new Uint8Array([1, 2, 3, 4]));
    await assert.rejects(server.recvBytesAsync(3), (error) => {
      assert.ok(error instanceof BufferTooShort);
      assert.deepEqual(error.data, new Uint8Array([1, 2, 3, 4]));
      assert.equal(
        error.message,
        "Cannot receive bytes on Connection: the message is 4 bytes, more than maxlength 3",
      );
      return true;
    });
    client.sendBytes(new Uint8Array([5, 6]));
    const buffer = new Uint8Array(4);
    assert.equal(await server.recvBytesIntoAsync(buffer, 1), 2);
    assert.deepEqual(buffer, new Uint8Array([0, 5, 6, 0]));
    client.sendBytes(new Uint8Array([7, 7, 7]));
    await assert.rejects(server.recvBytesIntoAsync(buffer, 2), (error) => {
      assert.ok(error instanceof BufferTooShort);
      assert.deepEqual(error.data, new Uint8Array([7, 7, 7]));
      return true;
    });
    assert.deepEqual(buffer, new Uint8Array([0, 5, 6, 0]));
    // A 5 MB message crosses whole.
    const big = new Uint8Array(5_000_000).map((_, i) => i % 251);
    server.sendBytes(big);
    assert.deepEqual(await client.recvBytesAsync(), big);
    // recv() after sendBytes() of bytes that are not a value fails clearly.
    client.sendBytes(new Uint8Array([0xc1]));
    await assert.rejects(server.recvAsync(), {
      name: "ProcessError",
      message:
        /^Cannot receive on Connection: the message is not a value sent by send\(\)/,
    });
    client.close();
    server.close();
    listener.close();
  });

  test("the sync forms return what has arrived and throw instead of blocking", async () => {
    const [client, server, listener] = await pair();
    assert.equal(server.poll(), false);
    assert.throws(() => server.recv(), {
      name: "ProcessError",
      message:
        /^Cannot receive on Connection synchronously: no message has arrived yet/,
    });
    assert.throws(() => server.poll(100), {
      name: "ProcessError",
      message: /^Cannot poll Connection synchronously for 100 ms/,
    });
    assert.throws(() => listener.accept(), {
      name: "ProcessError",
      message: /^Cannot accept on Listener synchronously/,
    });
    client.send("x");
    client.sendBytes(new Uint8Array([1]));
    client.sendBytes(new Uint8Array([2, 3]));
    assert.equal(await server.pollAsync(5000), true);
    assert.equal(server.poll(100), true);
    assert.equal(server.recv(), "x");
    await server.pollAsync(5000);
    assert.deepEqual(server.recvBytes(), new Uint8Array([1]));
    await server.pollAsync(5000);
    const into = new Uint8Array(3);
    assert.equal(server.recvBytesInto(into, 1), 2);
    assert.deepEqual(into, new Uint8Array([0, 2, 3]));
    client.close();
    server.close();
    listener.close();
  });

  test("pollAsync() waits up to its timeout and wakes when data comes", async () => {
    const [client, server, listener] = await pair();
    const started = performance.now();
    assert.equal(await server.pollAsync(150), false);
    assert.ok(performance.now() - started >= 140);
    assert.equal(await server.pollAsync(-1), false);
    setTimeout(() => client.send("late"), 50);
    assert.equal(await server.pollAsync(null), true);
    assert.equal(await server.recvAsync(), "late");
    client.close();
    server.close();
    listener.close();
  });

  test("close() delivers what was sent, then EOFError; using closes; calls after close throw", async () => {
    const [client, server, listener] = await pair();
    {
      using closing = client;
      closing.send("last");
      closing.sendBytes(new Uint8Array(100_000));
    }
    assert.equal(client.closed, true);
    assert.equal(await server.recvAsync(), "last");
    assert.equal((await server.recvBytesAsync()).length, 100_000);
    assert.equal(await server.pollAsync(5000), true);
    await assert.rejects(server.recvAsync(), {
      name: "EOFError",
      message:
        "Cannot receive on Connection: the other end is closed and nothing is left",
    });
    assert.ok(EOFError);
    assert.throws(() => server.send("x"), {
      name: "ProcessError",
      message: /^Cannot send on Connection: the connection to .* is closed$/,
    });
    assert.throws(() => client.send("x"), {
      name: "ProcessError",
      message: "Cannot send on Connection: it is closed",
    });
    await assert.rejects(client.recvAsync(), {
      message: "Cannot receive on Connection: it is closed",
    });
    client.close();
    server.close();
    listener.close();
  });

  test("a wrong authkey fails with AuthenticationError on both sides; the listener goes on", async () => {
    await using listener = await Listener({ authkey: AUTHKEY });
    const { hostname, port } = listener.address as SocketAddress;
    const refused = assert.rejects(listener.acceptAsync(), (error) => {
      assert.ok(error instanceof AuthenticationError);
      assert.match(
        error.message,
        /^Cannot accept connection from 127\.0\.0\.1:\d+: the client's digest is wrong \(wrong authkey\)$/,
      );
      return true;
    });
    await assert.rejects(
      Client(listener.address, { authkey: "wrong" }),
      (error) => {
        assert.ok(error instanceof AuthenticationError);
        assert.equal(
          error.message,
          `Cannot connect to ${hostname}:${port}: the server rejected the digest (wrong authkey)`,
        );
        return true;
      },
    );
    await refused;
    const next = listener.acceptAsync();
    await using client = await Client(listener.address, { authkey: AUTHKEY });
    await using server = await next;
    client.send("ok");
    assert.equal(await server.recvAsync(), "ok");
  });

  test("address, lastAccepted, a sync accept() of a client already there, and close() rejecting a pending acceptAsync()", async () => {
    const listener = await Listener({
      address: { hostname: "127.0.0.1", port: 0 },
      authkey: AUTHKEY,
    });
    const address = listener.address as SocketAddress;
    assert.equal(address.hostname, "127.0.0.1");
    assert.ok(address.port > 0);
    const client = await Client(address, { authkey: AUTHKEY });
    // Authenticated, not accepted yet: Python sets last_accepted in accept().
    assert.equal(listener.lastAccepted, null);
    // Its handshake is done, so the sync form has it.
    const server = listener.accept();
    const last = listener.lastAccepted as SocketAddress | null;
    assert.equal(last?.hostname, "127.0.0.1");
    assert.ok(last!.port > 0);
    const pending = listener.acceptAsync();
    listener.close();
    await assert.rejects(pending, {
      name: "ProcessError",
      message: "Cannot accept on Listener: it is closed",
    });
    // Accepted connections outlive their listener.
    client.send(1);
    assert.equal(await server.recvAsync(), 1);
    await assert.rejects(Client(address, { authkey: AUTHKEY }), {
      name: "ProcessError",
      message: new RegExp(
        `^Cannot connect to 127\\.0\\.0\\.1:${address.port}: `,
      ),
    });
    client.close();
    server.close();
  });

  test("a Unix socket path works like TCP, and close() removes it", async () => {
    const path = join(tmpdir(), `mp-test-${crypto.randomUUID()}.sock`);
    const [client, server, listener] = await pair({ address: path });
    assert.deepEqual(listener.address, { path });
    assert.equal(listener.lastAccepted, null);
    client.send({ over: "unix" });
    assert.deepEqual(await server.recvAsync(), { over: "unix" });
    client.close();
    server.close();
    listener.close();
    await assert.rejects(Client({ path }), ProcessError);
  });

  test("worker threads connect with the authkey they inherit", async () => {
    await using listener = await Listener();
    const serving = (async () => {
      const names: unknown[] = [];
      for (let n = 0; n < 3; n++) {
        const conn = await listener.acceptAsync();
        names.push(await conn.recvAsync());
        void (async () => {
          for (;;) {
            try {
              conn.send(2 * (await conn.recvAsync() as number));
            } catch {
              return conn.close();
            }
          }
        })();
      }
      return names;
    })();
    await runProcesses(3, (i) =>
      new Process({
        target: targets.doublingClient,
        args: [listener.address as SocketAddress, `w${i}`, 50],
        module,
      }));
    assert.deepEqual((await serving).sort(), ["w0", "w1", "w2"]);
  });

  test("wait() accepts socket connections", async () => {
    const [a, b, listener] = await pair();
    const [c, d] = [a, b];
    setTimeout(() => a.send("ready"), 50);
    assert.deepEqual(await wait([b], 5000), [b]);
    assert.deepEqual(await wait([d, c], 100), [d]);
    assert.equal(await b.recvAsync(), "ready");
    assert.deepEqual(await wait([b, a], 50), []);
    a.close();
    b.close();
    listener.close();
  });

  test("what cannot travel is refused with the reason", async () => {
    const [client, server, listener] = await pair();
    assert.throws(() => client.send(() => 1), {
      name: "TypeError",
      message: /^Cannot send on Connection: /,
    });
    assert.throws(() => client.send({ lock: new Lock() }), {
      name: "TypeError",
      message:
        /^Cannot send on Connection: a shared object \(Lock\) cannot leave this OS process/,
    });
    assert.throws(
      () => client.sendBytes(new Uint8Array(64 * 1024 * 1024 + 1)),
      {
        name: "RangeError",
        message:
          "Cannot send bytes on Connection: the message is 67108865 bytes, over the limit of 67108864 bytes (64 MiB)",
      },
    );
    const p = new Process({ target: (_c: unknown) => {}, args: [server] });
    assert.throws(() => p.start(), {
      message: /Cannot send a socket Connection to another thread/,
    });
    client.send("still fine");
    assert.equal(await server.recvAsync(), "still fine");
    client.close();
    server.close();
    listener.close();
  });

  test("a Client refuses a manager server and a manager client a Listener; bad arguments say what is wrong", async () => {
    await using manager = await Manager();
    await assert.rejects(
      Client(manager.address, { authkey: manager.authkey }),
      {
        name: "ProcessError",
        message: /: it is a manager server, not a Listener$/,
      },
    );
    await using listener = await Listener();
    const { hostname, port } = listener.address as SocketAddress;
    await assert.rejects(
      new BaseManager({ address: { hostname, port } }).connect(),
      {
        name: "ProcessError",
        message:
          `Cannot connect to manager at ${hostname}:${port}: it is a Listener (connection/1), not a manager server`,
      },
    );
    await assert.rejects(Client({ hostname: "127.0.0.1", port: 0 }), {
      name: "RangeError",
      message:
        'Cannot connect Client: "address.port" must be an integer from 1 to 65535, received 0',
    });
    await assert.rejects(Client(42 as never), { name: "TypeError" });
    await assert.rejects(Listener({ authkey: "" }), {
      name: "RangeError",
      message:
        'Cannot create Listener: "authkey" must not be empty, received ""',
    });
    await assert.rejects(Listener({ backlg: 1 } as never), {
      name: "TypeError",
      message: /^Cannot create Listener: unknown option "backlg"/,
    });
    assert.throws(() => new SocketListener(), {
      name: "TypeError",
      message: "Cannot create SocketListener: use Listener()",
    });
    assert.throws(() => new SocketConnection(), {
      name: "TypeError",
      message:
        "Cannot create SocketConnection: use Client() or Listener.acceptAsync()",
    });
  });

  test("a pending receive keeps the program alive; idle sockets let it exit", async () => {
    const { code, stdout } = await runFixture("connection_idle", [], 10_000);
    assert.equal(code, 0);
    assert.equal(
      stdout,
      "got late\nidle now: the program should exit\n",
    );
  });
});
