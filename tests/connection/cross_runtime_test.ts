// A Deno Listener in its own OS process serves a Bun client and a Node
// client (the npm build) in theirs, and a client of this runtime: values
// of every MessagePack kind cross both ways between the three runtimes.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { AuthenticationError, Client, type SocketAddress } from "../../mod.ts";
import { runtime } from "../../lib/_runtime/mod.ts";
import { findNode, root, runCommand, startDenoServer } from "../_helpers.ts";

const AUTHKEY = "cross-runtime-connection-secret";

describe("Listener and Client across runtimes", () => {
  let server: ChildProcess;
  let address: SocketAddress;

  before(async () => {
    ({ child: server, address } = await startDenoServer("connection_server", [
      AUTHKEY,
    ]));
  });

  after(() => {
    server.kill("SIGKILL");
  });

  test("a Deno listener serves Bun and Node clients in other OS processes", async () => {
    const args = (name: string) => [
      String(address.port),
      AUTHKEY,
      name,
      "100",
    ];
    const nodeClient = join(root, "npm/tests/fixtures/connection_client.js");
    // Node runs the npm build, which `deno task test` makes first.
    assert.ok(
      existsSync(nodeClient),
      `${nodeClient} is missing: run \`deno task build:npm\` first`,
    );
    const outputs = await Promise.all([
      runCommand(join(root, "node_modules/.bin/bun"), [
        join(root, "tests/fixtures/connection_client.ts"),
        ...args("bun"),
      ]),
      runCommand(findNode(), [nodeClient, ...args("node")]),
    ]);
    assert.deepEqual(outputs, ["done\n", "done\n"]);
    // And a client of this runtime, in this process.
    await using conn = await Client(address, { authkey: AUTHKEY });
    conn.send(runtime.name);
    conn.send({ big: 2n ** 64n, set: new Set([1]) });
    assert.deepEqual(await conn.recvAsync(), [
      runtime.name,
      "deno",
      { big: 2n ** 64n, set: new Set([1]) },
    ]);
  });

  test("a client in another runtime with a wrong authkey gets AuthenticationError", async () => {
    await assert.rejects(
      Client(address, { authkey: "wrong" }),
      AuthenticationError,
    );
  });
});
