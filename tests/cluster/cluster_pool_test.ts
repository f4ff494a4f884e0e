import assert from "node:assert/strict";
import { createConnection } from "node:net";
import { Queue } from "bullmq";
import { after, before, describe, test } from "node:test";
import { ClusterPool } from "../../lib/cluster/mod.ts";
import { Value } from "../../mod.ts";
import {
  fixtureUrl,
  type NodeProcess,
  type Redis,
  redisCommand,
  startNode,
  startRedis,
} from "./_harness.ts";
import { PROTOCOL_VERSION } from "../../lib/cluster/_protocol.ts";
import {
  add,
  briefSquare,
  echo,
  sleepy,
  square,
  unlucky,
} from "../fixtures/cluster_tasks.ts";
import { double } from "../fixtures/cluster_other.ts";

const TASKS = fixtureUrl("cluster_tasks");
const QUEUE = "pool-test";

describe("ClusterPool", () => {
  let redis: Redis;
  let nodes: NodeProcess[] = [];
  const open = (options = {}) =>
    ClusterPool.connect({
      connection: redis.url,
      queue: QUEUE,
      module: TASKS,
      ...options,
    });

  before(async () => {
    redis = await startRedis();
    const args = ["--redis", redis.url, "--queue", QUEUE, "--processes", "2"];
    nodes = await Promise.all([
      startNode([...args, "--id", "a", TASKS]),
      startNode([...args, "--id", "b", TASKS]),
    ]);
  });

  after(async () => {
    for (const node of nodes) node.kill("SIGKILL");
    await Promise.all(nodes.map((node) => node.exited));
    await redis?.stop();
  });

  test("ClusterPool.map() returns every result in order", async () => {
    const pool = await open();
    const items = Array.from({ length: 1000 }, (_, i) => i);
    assert.deepEqual(await pool.map(square, items), items.map((x) => x * x));
    assert.deepEqual(
      await pool.map(square, [1, 2, 3], { chunksize: 1 }),
      [1, 4, 9],
    );
    assert.deepEqual(await pool.map(square, []), []);
    pool.close();
    await pool.join();
  });

  test("ClusterPool runs starmap, apply, applyAsync, mapAsync, imap and imapUnordered", async () => {
    await using pool = await open();
    assert.deepEqual(await pool.starmap(add, [[1, 2], [3, 4]]), [3, 7]);
    assert.equal(await pool.apply(add, [20, 22]), 42);
    assert.equal(await pool.applyAsync(add, [1, 1]).get(10_000), 2);
    assert.deepEqual(await pool.mapAsync(square, [4, 5]), [16, 25]);
    const ordered: number[] = [];
    for await (
      const y of pool.imap(sleepy as (x: number) => Promise<number>, [3, 2, 1])
    ) {
      ordered.push(y);
    }
    assert.deepEqual(ordered, [3, 2, 1]);
    const unordered: number[] = [];
    for await (
      const y of pool.imapUnordered(square, [1, 2, 3, 4], { chunksize: 2 })
    ) {
      unordered.push(y);
    }
    assert.deepEqual(unordered.sort((a, b) => a - b), [1, 4, 9, 16]);
  });

  test("ClusterPool round-trips bigint, Map, Set, Date and typed arrays", async () => {
    await using pool = await open();
    const value = {
      big: 2n ** 70n,
      map: new Map<unknown, unknown>([[1, "one"], ["two", [2]]]),
      set: new Set(["x"]),
      date: new Date(1234),
      floats: new Float64Array([1.5, -2]),
      bytes: new Uint8Array([1, 2, 255]),
      ints: new BigInt64Array([-5n]),
    };
    assert.deepEqual(await pool.apply(echo, [value]), value);
  });

  test("ClusterPool.map() rejects with the task's error class, message, properties and remote stack", async () => {
    await using pool = await open();
    const items = Array.from({ length: 20 }, (_, i) => i);
    const error: RangeError & { code?: number } = await pool.map(
      unlucky,
      items,
    ).then(
      () => assert.fail("map should reject"),
      (error) => error,
    );
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, "unlucky number 13");
    assert.equal(error.code, 13);
    assert.match(error.stack ?? "", /unlucky/);
    assert.equal((error.cause as Error).name, "RemoteTraceback");
  });

  test("ClusterPool refuses a module that is not on the nodes' allow-list, naming module and node", async () => {
    await using pool = await open({
      module: [TASKS, fixtureUrl("cluster_other")],
    });
    await assert.rejects(pool.map(double, [1, 2]), (error: Error) => {
      assert.equal(error.name, "ProcessError");
      assert.match(error.message, /cluster_other/);
      assert.match(error.message, /not on this node's allow-list/);
      assert.match(error.message, /on node (a|b)/);
      return true;
    });
  });

  test("ClusterPool refuses functions sent as source text unless nodes allow source", async () => {
    await using pool = await open();
    await assert.rejects(
      pool.apply((x: number) => x + 1, [1]),
      /sent as source text, which this node runs only when started with --allow-source/,
    );
  });

  test("ClusterPool refuses shared-memory objects with a clear error", async () => {
    await using pool = await open();
    await assert.rejects(
      pool.apply(echo, [new Value("i", 1)]),
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(
          error.message,
          /shared-memory object cannot cross machines/,
        );
        assert.match(error.message, /args\[0\]/);
        return true;
      },
    );
  });

  test("ClusterPool leaves no per-pool keys in Redis after close() and join()", async () => {
    const before = await redis.keys();
    const pool = await open();
    await pool.map(square, Array.from({ length: 500 }, (_, i) => i), {
      chunksize: 10,
    });
    await assert.rejects(pool.map(unlucky, [13]));
    pool.close();
    await pool.join();
    const left = (await redis.keys()).filter((key) => !before.includes(key));
    // Only the queue's own keys may appear, never a job's.
    for (const key of left) {
      assert.doesNotMatch(
        key,
        /^bull:[^:]+:[0-9a-f-]{36}-\d+/,
        `job key ${key}`,
      );
    }
    assert.deepEqual(
      (await redis.keys()).filter((key) => /-\d+$/.test(key)),
      [],
    );
  });

  test("ClusterPool.connect() fails within seconds when Redis is unreachable", async () => {
    const started = Date.now();
    await assert.rejects(
      ClusterPool.connect({
        connection: "redis://127.0.0.1:1",
        connectTimeoutMs: 2000,
      }),
      (error: Error) => {
        assert.equal(error.name, "ProcessError");
        assert.match(
          error.message,
          /Redis at redis:\/\/127\.0\.0\.1:1 did not answer within 2000 ms/,
        );
        return true;
      },
    );
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });
  test("ClusterPool gets every result even when the event stream is trimmed away", async () => {
    await using pool = await open();
    let trimming = true;
    const trimmer = (async () => {
      while (trimming) {
        await redisCommand(redis.port, `XTRIM bull:${QUEUE}:events MAXLEN 0`);
      }
    })();
    try {
      const items = Array.from({ length: 2000 }, (_, i) => i);
      assert.deepEqual(
        await pool.map(briefSquare, items, { chunksize: 100 }),
        items.map((x) => x * x),
      );
    } finally {
      trimming = false;
      await trimmer;
    }
  });

  test("ClusterPool refuses to start when a node speaks another protocol version", async () => {
    const queue = "version-test";
    const name = `bull:${btoa(queue)}:w:seedmp/${
      PROTOCOL_VERSION + 1
    }/4/old-node`;
    const socket = createConnection({ host: "127.0.0.1", port: redis.port });
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(`CLIENT SETNAME ${name}\r\n`);
    await new Promise((resolve) => socket.once("data", resolve));
    try {
      await assert.rejects(
        ClusterPool.connect({ connection: redis.url, queue }),
        (error: Error) => {
          assert.equal(error.name, "ProcessError");
          assert.match(
            error.message,
            new RegExp(
              `node old-node speaks protocol version ${
                PROTOCOL_VERSION + 1
              }, this driver speaks ${PROTOCOL_VERSION}`,
            ),
          );
          return true;
        },
      );
    } finally {
      socket.destroy();
    }
  });

  test("a worker node refuses a job from a driver of another protocol version", async () => {
    const queue = new Queue(QUEUE, { connection: { url: redis.url } });
    try {
      const job = await queue.add("chunk", {
        v: PROTOCOL_VERSION + 1,
        fn: { name: "square", source: "", modules: [TASKS] },
        kind: 0,
        payload: { json: [] },
      });
      // Polled, not awaited through events: the node may fail it at once.
      const deadline = Date.now() + 20_000;
      let reason: string | undefined;
      while (
        (reason = (await queue.getJob(job.id!))?.failedReason) === undefined
      ) {
        assert.ok(Date.now() < deadline, "the node never refused the job");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.match(
        reason,
        new RegExp(
          `protocol version mismatch, the driver speaks ${
            PROTOCOL_VERSION + 1
          }, this node speaks ${PROTOCOL_VERSION}`,
        ),
      );
      await job.remove();
    } finally {
      await queue.close();
    }
  });
});
