// A Listener faces a network: garbage, huge length prefixes, clients that
// never finish the handshake, floods of half-open sockets and wrong
// digests are dropped (loopback only, bounded in count and time), while
// honest clients keep being served.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AuthenticationError,
  Client,
  Listener,
  type SocketAddress,
  type SocketConnection,
} from "../../mod.ts";
import { runtime, type Socket } from "../../lib/_runtime/mod.ts";
import { answer } from "../../lib/connection/_auth.ts";
import { WireCodec } from "../../lib/connection/_wire.ts";
import { CONNECTION_VERSION } from "../../lib/connection/_peer.ts";
import { within } from "../_helpers.ts";

const AUTHKEY = "hardening-secret";
const codec = new WireCodec({ toToken: () => null, fromToken: (t) => t });

function header(size: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, size);
  return bytes;
}

interface Raw {
  socket: Socket;
  /** The first frame the listener sent (its challenge), decoded. */
  challenge: Promise<unknown[]>;
  /** Resolves once the listener has closed the socket. */
  closed: Promise<void>;
}

/** A raw TCP connection to `address`, speaking no protocol by itself. */
async function raw(address: SocketAddress): Promise<Raw> {
  let closed!: () => void;
  let first!: (message: unknown[]) => void;
  const received: Uint8Array[] = [];
  const challenge = new Promise<unknown[]>((resolve) => first = resolve);
  const socket = await runtime.connect(address, {
    data(bytes) {
      received.push(bytes.slice());
      const all = new Uint8Array(received.flatMap((b) => [...b]));
      const size = all.length >= 4
        ? new DataView(all.buffer).getUint32(0)
        : Infinity;
      if (all.length >= 4 + size) {
        first(codec.decode(all.subarray(4, 4 + size)) as unknown[]);
      }
    },
    close: () => closed(),
  });
  return {
    socket,
    challenge,
    closed: new Promise((resolve) => closed = resolve),
  };
}

async function echo(conn: SocketConnection): Promise<void> {
  for (;;) {
    try {
      conn.send(await conn.recvAsync());
    } catch {
      return conn.close();
    }
  }
}

describe("Listener under attack", () => {
  test("garbage, huge frames, stalled handshakes, half-open floods and wrong digests leave honest clients served", async () => {
    // Short enough to drop the stalled sockets soon, long enough for an
    // honest handshake on a loaded machine.
    await using listener = await Listener({
      authkey: AUTHKEY,
      handshakeTimeout: 1500,
    });
    const address = listener.address as SocketAddress;
    let refusals = 0;
    let served = 0;
    const unexpected: unknown[] = [];
    const serving = (async () => {
      while (!listener.closed) {
        try {
          void echo(await listener.acceptAsync());
          served++;
        } catch (error) {
          if (listener.closed) return;
          if (error instanceof AuthenticationError) refusals++;
          else return void unexpected.push(error);
        }
      }
    })();

    const started = performance.now();
    const attackers: Raw[] = [];
    const key = new TextEncoder().encode(AUTHKEY);
    // 100 half-open sockets that never say anything (over the cap of 64
    // handshakes at once: the oldest make room).
    for (let i = 0; i < 100; i++) attackers.push(await raw(address));
    // 30 send garbage, 30 a 2 GiB length prefix, 10 a frame over the
    // handshake's 1 KiB limit.
    for (let i = 0; i < 70; i++) {
      const attacker = await raw(address);
      attackers.push(attacker);
      attacker.socket.write(
        i < 30
          ? crypto.getRandomValues(new Uint8Array(1 + i))
          : i < 60
          ? header(2 ** 31)
          : new Uint8Array([...header(2000), ...new Uint8Array(2000)]),
      );
    }
    // 10 answer with a wrong digest; 10 answer right but send data before
    // the welcome, which an honest client never does.
    for (let i = 0; i < 20; i++) {
      const attacker = await raw(address);
      attackers.push(attacker);
      const [, question] = await attacker.challenge as [string, Uint8Array];
      const digest = i < 10 ? new Uint8Array(32) : await answer(key, question);
      attacker.socket.write(
        codec.frame([
          "answer",
          digest,
          new Uint8Array(32),
          CONNECTION_VERSION,
        ]),
      );
      if (i >= 10) attacker.socket.write(codec.frame(["early"]));
    }

    // Meanwhile, 10 honest clients each get 20 echoes.
    await within(
      Promise.all(
        Array.from({ length: 10 }, async (_, c) => {
          await using conn = await Client(address, { authkey: AUTHKEY });
          for (let i = 0; i < 20; i++) {
            conn.send([c, i]);
            assert.deepEqual(await conn.recvAsync(), [c, i]);
          }
        }),
      ),
      10_000,
      "honest clients",
    );
    // Every attacker is dropped by the listener, the stalled ones by the
    // handshake timeout (those over the cap of 64 sooner).
    await within(
      Promise.all(attackers.map((a) => a.closed)),
      10_000,
      "attackers dropped",
    );
    assert.ok(performance.now() - started < 15_000);
    assert.equal(refusals, 10);
    assert.equal(served, 10);

    // And the listener still serves.
    await using late = await Client(address, { authkey: AUTHKEY });
    late.send("still here");
    assert.equal(await late.recvAsync(), "still here");
    listener.close();
    await serving;
    assert.deepEqual(unexpected, []);
  });

  test("a reader slower than its sender pauses the socket above 16 MiB and loses nothing", async () => {
    await using listener = await Listener({ authkey: AUTHKEY });
    const accepted = listener.acceptAsync();
    await using client = await Client(listener.address, { authkey: AUTHKEY });
    await using server = await accepted;
    const frame = 1024 * 1024;
    for (let i = 0; i < 40; i++) {
      client.sendBytes(new Uint8Array(frame).fill(i));
    }
    // Nobody reads for a while: 40 MiB wait in the OS buffers and the inbox.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 40; i++) {
      const body = await within(server.recvBytesAsync(), 10_000, `frame ${i}`);
      assert.equal(body.length, frame);
      assert.ok(body.every((byte) => byte === i), `frame ${i} intact`);
    }
    assert.equal(await server.pollAsync(50), false);
  });
});
