import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { AuthenticationError, BaseManager, SyncManager } from "../../mod.ts";
import { answer } from "../../lib/connection/_auth.ts";
import { runtime, type SocketAddress } from "../../lib/_runtime/mod.ts";
import { WireCodec } from "../../lib/connection/_wire.ts";
import {
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
} from "../../lib/manager/_protocol.ts";
import type { Store } from "../fixtures/manager_server.ts";
import { findNode, root, runCommand, startDenoServer } from "../_helpers.ts";

const AUTHKEY = "cross-runtime-secret";

function connectStore(address: SocketAddress, authkey = AUTHKEY) {
  return new BaseManager({ address, authkey })
    .register<"getStore", [], Store>("getStore");
}

/** Opens a raw socket; resolves the bytes received once the server closes it. */
function rawSession(
  address: SocketAddress,
  send: (write: (bytes: Uint8Array) => void, received: Uint8Array[]) => void,
): Promise<void> {
  return new Promise((done, fail) => {
    const received: Uint8Array[] = [];
    runtime.connect(address, {
      data: (bytes) => received.push(bytes.slice()),
      close: () => done(),
    }).then((socket) => send((b) => socket.write(b), received), fail);
  });
}

const codec = new WireCodec({ toToken: () => null, fromToken: (t) => t });

function header(size: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, size);
  return bytes;
}

describe("BaseManager over TCP", () => {
  let server: ChildProcess;
  let address: SocketAddress;

  before(async () => {
    ({ child: server, address } = await startDenoServer("manager_server", [
      AUTHKEY,
    ]));
  });

  after(() => {
    server.kill("SIGKILL");
  });

  test("a deno server shares one store with bun and node clients in other OS processes", async () => {
    const clientArgs = (name: string) => [
      String(address.port),
      AUTHKEY,
      name,
      "200",
    ];
    const nodeClient = join(root, "npm/tests/fixtures/manager_client.js");
    // Node runs the npm build, which `deno task test` makes first.
    assert.ok(
      existsSync(nodeClient),
      `${nodeClient} is missing: run \`deno task build:npm\` first`,
    );
    const runs = [
      runCommand(join(root, "node_modules/.bin/bun"), [
        join(root, "tests/fixtures/manager_client.ts"),
        ...clientArgs("bun"),
      ]),
      runCommand(findNode(), [nodeClient, ...clientArgs("node")]),
    ];
    const outputs = await Promise.all(runs);
    assert.deepEqual(outputs, ["done\n", "done\n"]);
    await using manager = connectStore(address);
    await manager.connect();
    const store = await manager.getStore();
    const all = await store.toObject();
    assert.equal(all.bun, "bun");
    assert.equal(all["bun:199"], 199);
    assert.equal(all.node, "node");
    assert.equal(all["node:199"], 199);
    await store.set("here", runtime.name);
    assert.equal(await store.get("here"), runtime.name);
  });

  test("BaseManager.connect() rejects a wrong authkey with AuthenticationError", async () => {
    const manager = connectStore(address, "wrong key");
    await assert.rejects(manager.connect(), {
      name: "AuthenticationError",
      message:
        `Cannot connect to manager at 127.0.0.1:${address.port}: the server rejected the digest (wrong authkey)`,
    });
    assert.ok(AuthenticationError);
  });

  test("1,000 garbage and oversized frames leave the server serving and the store intact", async () => {
    await using manager = connectStore(address);
    await manager.connect();
    const store = await manager.getStore();
    await store.set("keep", "me");
    const before = await store.toObject();
    const sessions: Promise<void>[] = [];
    let frames = 0;
    // 25 at a time: the server caps connections in their handshake at 64.
    for (let i = 0; i < 50; i++) {
      if (i % 25 === 0) await Promise.all(sessions);
      // Before the handshake: random bytes, a wrong first message, a huge header.
      sessions.push(rawSession(address, (write) => {
        for (let j = 0; j < 10; j++, frames++) {
          const junk = crypto.getRandomValues(new Uint8Array(16 + j));
          write(
            j % 3 === 0
              ? header(MAX_FRAME_BYTES + 1)
              : new Uint8Array([...header(junk.length), ...junk]),
          );
        }
      }));
      // After a valid handshake: garbage, then an oversized frame.
      sessions.push(rawSession(address, (write, received) => {
        void (async () => {
          while (received.length === 0) {
            await new Promise((r) => setTimeout(r, 1));
          }
          const [, question] = codec.decode(received[0].subarray(4)) as [
            string,
            Uint8Array,
          ];
          const digest = await answer(
            new TextEncoder().encode(AUTHKEY),
            question,
          );
          write(
            codec.frame([
              "answer",
              digest,
              new Uint8Array(32),
              PROTOCOL_VERSION,
            ]),
          );
          for (let j = 0; j < 10; j++, frames++) {
            write(
              j < 5
                ? codec.frame(["not", "a", "request"])
                : j < 9
                ? new Uint8Array([0, 0, 0, 2, 0xc1, 0xc1])
                : header(2 ** 31),
            );
          }
        })();
      }));
    }
    await Promise.all(sessions);
    assert.equal(frames, 1000);
    assert.deepEqual(await store.toObject(), before);
    await using other = connectStore(address);
    await other.connect();
    const again = await other.getStore();
    assert.equal(await again.get("keep"), "me");
  });

  test("BaseManager.start() rejects an address in use with ProcessError", async () => {
    const manager = new BaseManager({ address });
    await assert.rejects(manager.start(), (error: Error) => {
      assert.equal(error.name, "ProcessError");
      assert.match(error.message, /^Cannot start manager: .*EADDRINUSE/);
      return true;
    });
    await manager.shutdown();
  });

  test("getServer().serveForever() serves SyncManager types in this thread until shutdown", async () => {
    const manager = new SyncManager({ authkey: "k" });
    assert.deepEqual(manager.address, { hostname: "127.0.0.1", port: 0 });
    const server = manager.getServer();
    const bound = await server.listen();
    assert.equal(server.address, bound);
    assert.equal(manager.address, bound);
    assert.ok(bound.port > 0);
    const serving = server.serveForever();
    const client = new SyncManager({ address: bound, authkey: "k" });
    await client.connect();
    const dict = await client.dict({ a: 1 });
    await dict.set("b", 2);
    assert.deepEqual(await dict.toObject(), { a: 1, b: 2 });
    server.shutdown();
    await serving;
    await assert.rejects(dict.get("a"), { name: "ProcessError" });
    await client.shutdown();
  });

  test("400 idle sockets against a server limited to 256 file descriptors: it survives and a client gets in", async () => {
    // The server runs with `ulimit -n 256`; idle sockets beyond the cap on
    // unproven connections are dropped, so it never runs out.
    const limited = spawn("sh", [
      "-c",
      `ulimit -n 256 && exec "$0" run -A "$1" "$2"`,
      join(root, "node_modules/.bin/deno"),
      join(root, "tests/fixtures/manager_server.ts"),
      AUTHKEY,
    ], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const at: SocketAddress = await new Promise((resolve, reject) => {
        let out = "";
        limited.stdout!.on("data", (chunk) => {
          out += chunk;
          if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]));
        });
        limited.on("exit", (code) => reject(new Error(`exited: ${code}`)));
      });
      const idle: Promise<void>[] = [];
      for (let i = 0; i < 400; i++) {
        idle.push(rawSession(at, () => {}));
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 10));
      }
      await using manager = connectStore(at);
      await manager.connect();
      const store = await manager.getStore();
      await store.set("in", true);
      assert.equal(await store.get("in"), true);
      await Promise.all(idle);
      assert.equal(limited.exitCode, null);
    } finally {
      limited.kill("SIGKILL");
    }
  });
});
