// ClusterPool vs a local Pool of the same size, side by side in one run:
// 2 worker nodes (1 process each, separate OS processes, one redis-server
// on loopback) against new Pool(2), on 10,000 CPU-bound tasks of ~1 ms;
// then the per-job overhead (an empty job's round trip through Redis) and
// map throughput over 1,000,000 numbers with the default chunksize
// (medians of 3).
//   deno run -A bench/cluster_bench.ts
//   bun bench/cluster_bench.ts
//   deno task build:npm && node npm/bench/cluster_bench.js
import { Pool } from "../mod.ts";
import { ClusterPool } from "../lib/cluster/mod.ts";
import {
  fixtureUrl,
  startNode,
  startRedis,
} from "../tests/cluster/_harness.ts";
import { spinSquare, square } from "../tests/fixtures/cluster_tasks.ts";
import { emitJson } from "./_json.ts";

const TASKS = 10_000;
const ROUND_TRIPS = 50;
const NUMBERS = 1_000_000;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const module = fixtureUrl("cluster_tasks");
const redis = await startRedis();
const args = ["--redis", redis.url, "--queue", "bench", "--processes", "1"];
const nodes = await Promise.all(
  ["one", "two"].map((id) => startNode([...args, "--id", id, module])),
);
try {
  const items = Array.from({ length: TASKS }, (_, i) => i);
  const local = new Pool(2, { module });
  const cluster = await ClusterPool.connect({
    connection: redis.url,
    queue: "bench",
    module,
  });
  // Warm up both: workers started, modules imported, connections open.
  await local.map(spinSquare, items.slice(0, 100));
  await cluster.map(spinSquare, items.slice(0, 100));

  const localMs = await time(() => local.map(spinSquare, items));
  const clusterMs = await time(() => cluster.map(spinSquare, items));
  console.log(
    `${TASKS} tasks of ~1 ms: local Pool(2) ${localMs.toFixed(0)} ms, ` +
      `2 nodes × 1 process ${clusterMs.toFixed(0)} ms (${
        (clusterMs / localMs).toFixed(2)
      }× the local pool)`,
  );

  const roundTripMs = await time(async () => {
    for (let i = 0; i < ROUND_TRIPS; i++) await cluster.apply(square, [i]);
  }) / ROUND_TRIPS;
  const concurrentMs = await time(() =>
    Promise.all(
      Array.from({ length: 200 }, (_, i) => cluster.applyAsync(square, [i])),
    )
  );
  const jobsPerSecond = 200 / (concurrentMs / 1000);
  console.log(
    `per-job overhead: ${roundTripMs.toFixed(2)} ms per awaited empty job, ` +
      `${jobsPerSecond.toFixed(0)} jobs/s with 200 in flight`,
  );

  const numbers = Array.from({ length: NUMBERS }, (_, i) => i);
  // Medians of 3, alternating, so both see the same machine.
  const mapRuns: number[] = [];
  const localRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    mapRuns.push(await time(() => cluster.map(square, numbers)));
    localRuns.push(await time(() => local.map(square, numbers)));
  }
  const median = (runs: number[]) => runs.sort((a, b) => a - b)[1];
  const mapMs = median(mapRuns);
  const localMapMs = median(localRuns);
  const itemsPerSecond = NUMBERS / (mapMs / 1000);
  console.log(
    `map of ${NUMBERS} numbers, default chunksize: cluster ${
      (itemsPerSecond / 1e6).toFixed(2)
    }M items/s, local Pool(2) ${
      (NUMBERS / (localMapMs / 1000) / 1e6).toFixed(2)
    }M items/s`,
  );
  emitJson({
    localMs,
    clusterMs,
    ratio: clusterMs / localMs,
    roundTripMs,
    jobsPerSecond,
    itemsPerSecond,
  });
  cluster.close();
  await cluster.join();
  local.close();
  await local.join();
} finally {
  for (const node of nodes) node.kill("SIGKILL");
  await Promise.all(nodes.map((node) => node.exited));
  await redis.stop();
}
