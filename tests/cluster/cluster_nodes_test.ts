import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Queue, QueueEvents } from "bullmq";
import { ClusterPool } from "../../lib/cluster/mod.ts";
import {
  fixtureUrl,
  type NodeProcess,
  type Redis,
  startNode,
  startRedis,
} from "./_harness.ts";
import {
  briefSquare,
  crashNode,
  sleepy,
  sleepyPid,
  sleepyRuntime,
} from "../fixtures/cluster_tasks.ts";

const TASKS = fixtureUrl("cluster_tasks");

describe("ClusterPool with worker nodes that come and go", () => {
  let redis: Redis;
  const started: NodeProcess[] = [];
  const node = async (
    queue: string,
    args: string[],
    runtime?: "deno" | "bun",
  ) => {
    const process = await startNode(
      ["--redis", redis.url, "--queue", queue, ...args, TASKS],
      runtime,
    );
    started.push(process);
    return process;
  };

  before(async () => {
    redis = await startRedis();
  });

  after(async () => {
    for (const process of started) process.kill("SIGKILL");
    await Promise.all(started.map((process) => process.exited));
    await redis?.stop();
  });

  test("a node killed with SIGKILL mid-map of 10,000 items loses nothing: BullMQ recovers its chunks", async () => {
    const queue = "crash";
    const fast = [
      "--processes",
      "2",
      "--lock-duration",
      "2000",
      "--stalled-interval",
      "1000",
      "--max-stalled",
      "5",
    ];
    const [victim] = await Promise.all([
      node(queue, [...fast, "--id", "victim"]),
      node(queue, [...fast, "--id", "survivor"]),
    ]);
    const connection = { url: redis.url };
    const events = new QueueEvents(queue, { connection });
    let stalled = 0;
    events.on("stalled", () => stalled++);
    const watcher = new Queue(queue, { connection });
    await Promise.all([events.waitUntilReady(), watcher.waitUntilReady()]);
    await using pool = await ClusterPool.connect({
      connection: redis.url,
      queue,
      module: TASKS,
    });
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const result = pool.mapAsync(briefSquare, items, { chunksize: 500 });
    // Kill the victim while it holds a chunk.
    const deadline = Date.now() + 30_000;
    while (
      !(await watcher.getJobs(["active"])).some((job) =>
        job?.processedBy?.endsWith("/victim")
      )
    ) {
      assert.ok(Date.now() < deadline, "the victim never took a chunk");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    victim.kill("SIGKILL");
    assert.equal(await victim.exited, "SIGKILL");
    assert.deepEqual(await result.get(60_000), items.map((x) => x * x));
    assert.ok(stalled >= 1, "no chunk of the killed node was recovered");
    await Promise.all([events.close(), watcher.close()]);
  });

  test("a chunk that kills its node every time fails with WorkerExitError after BullMQ's stalled limit", async () => {
    const queue = "doomed";
    const fast = [
      "--processes",
      "1",
      "--lock-duration",
      "1000",
      "--stalled-interval",
      "500",
      "--max-stalled",
      "0",
    ];
    await Promise.all([
      node(queue, [...fast, "--id", "first"]),
      node(queue, [...fast, "--id", "second"]),
    ]);
    await using pool = await ClusterPool.connect({
      connection: redis.url,
      queue,
      module: TASKS,
    });
    await assert.rejects(pool.apply(crashNode), (error: Error) => {
      assert.equal(error.name, "WorkerExitError");
      assert.match(error.message, /the worker node running it died 1 time/);
      assert.match(error.message, /job stalled more than allowable limit/);
      assert.match(error.message, /last node: seedmp\/1\/1\/(first|second)/);
      return true;
    });
  });

  test("a node stops cleanly on SIGTERM: it finishes its running chunk and takes no new one", async () => {
    const queue = "drain";
    const [leaving] = await Promise.all([
      node(queue, ["--processes", "1", "--id", "leaving"]),
      node(queue, ["--processes", "1", "--id", "staying"]),
    ]);
    await using pool = await ClusterPool.connect({
      connection: redis.url,
      queue,
      module: TASKS,
    });
    const args = Array.from(
      { length: 8 },
      (_, i) => [i, 400] as [number, number],
    );
    const result = pool.starmapAsync(sleepy, args, { chunksize: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    leaving.kill("SIGTERM");
    assert.equal(await leaving.exited, 0);
    assert.match(leaving.output(), /stopped after 1 chunks/);
    assert.deepEqual(await result.get(30_000), args.map(([x]) => x));
  });

  test("a node that joins while a map runs takes part of it", async () => {
    const queue = "join";
    const first = await node(queue, ["--processes", "1", "--id", "first"]);
    await using pool = await ClusterPool.connect({
      connection: redis.url,
      queue,
      module: TASKS,
    });
    const result = pool.mapAsync(
      sleepyPid,
      Array.from({ length: 40 }, () => 100),
      { chunksize: 1 },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = await node(queue, ["--processes", "1", "--id", "late"]);
    const pids = await result.get(30_000);
    assert.equal(pids.length, 40);
    assert.deepEqual(
      [...new Set(pids)].sort(),
      [first.pid, late.pid].sort(),
    );
    assert.equal(pids[0], first.pid);
  });

  test("a node started with --allow-source runs functions sent as source text", async () => {
    const queue = "source";
    await node(queue, ["--processes", "1", "--allow-source"]);
    await using pool = await ClusterPool.connect({
      connection: redis.url,
      queue,
    });
    const offset = 10;
    assert.equal(await pool.apply((x: number) => x + 1, [1]), 2);
    assert.deepEqual(
      await pool.map((x: number) => x * 2 + 10, [1, 2, 3]),
      [12, 14, 16],
    );
    // Source text travels alone: a closure's captured variables do not.
    await assert.rejects(
      pool.apply((x: number) => x + offset, [1]),
      {
        name: "ReferenceError",
        message: /it uses offset, which is not defined there/,
      },
    );
  });

  test("one driver, a Deno node and a Bun node: both run chunks", async () => {
    const queue = "cross";
    await Promise.all([
      node(queue, ["--processes", "2", "--id", "deno-node"], "deno"),
      node(queue, ["--processes", "2", "--id", "bun-node"], "bun"),
    ]);
    await using pool = await ClusterPool.connect({
      connection: redis.url,
      queue,
      module: TASKS,
    });
    const ran = await pool.map(
      sleepyRuntime,
      Array.from({ length: 16 }, () => 100),
      { chunksize: 1 },
    );
    assert.deepEqual([...new Set(ran)].sort(), ["bun", "deno"]);
  });

  test("pending work rejects with a clear error when Redis is lost mid-map", async () => {
    const own = await startRedis();
    const lost = await startNode([
      "--redis",
      own.url,
      "--queue",
      "lost",
      "--processes",
      "1",
      TASKS,
    ]);
    started.push(lost);
    const pool = await ClusterPool.connect({
      connection: own.url,
      queue: "lost",
      module: TASKS,
      lostTimeoutMs: 2000,
    });
    const result = pool.starmapAsync(sleepy, [[1, 20_000]]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = Date.now();
    await own.stop();
    await assert.rejects(result.get(20_000), (error: Error) => {
      assert.equal(error.name, "ProcessError");
      assert.match(
        error.message,
        /lost the connection to Redis \(no answer for 2000 ms\)/,
      );
      return true;
    });
    assert.ok(Date.now() - stopped < 6000, `took ${Date.now() - stopped} ms`);
    await pool.terminate();
  });
});
