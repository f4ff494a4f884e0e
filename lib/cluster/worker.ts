#!/usr/bin/env node
/**
 * The worker-node command: serves a ClusterPool's queue on this machine.
 *
 * ```sh
 * deno run -A jsr:@seed/multiprocessing/cluster/worker --redis redis://host:6379 ./tasks.ts
 * npx seedmp-cluster-worker --redis redis://host:6379 ./tasks.js
 * ```
 *
 * The modules named on the command line are the node's allow-list: it runs
 * exports of those modules only, unless started with `--allow-source`.
 * SIGTERM or SIGINT stops it cleanly: it takes no new jobs and finishes its
 * running ones.
 *
 * @module
 */
import {
  env,
  exitProcess,
  hostAndPid,
  moduleUrl,
  onStopSignal,
  parseArgs,
  scriptArgs,
} from "../_runtime/_cli.ts";
import { WorkerNode } from "./worker_node.ts";

const USAGE = `Usage: worker [options] <module>...

Serves a ClusterPool queue; runs exports of the listed modules only.

Options:
  --redis <url>             Redis URL (redis:// or rediss://) [$REDIS_URL or redis://127.0.0.1:6379]
  --queue <name>            Queue name [seedmp]
  --prefix <prefix>         BullMQ key prefix [bull]
  --processes <n>           Local worker threads [all cores]
  --allow-source            Also run functions sent as source text
  --id <name>               Name of this node [<hostname>/<pid>]
  --lock-duration <ms>      BullMQ job lock duration [30000]
  --stalled-interval <ms>   BullMQ stalled-job check interval [30000]
  --max-stalled <n>         Times a chunk may lose its node before failing [1]
  --help                    Show this help`;

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot start worker node: --${name} must be a whole number, received ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: scriptArgs(),
    allowPositionals: true,
    options: {
      redis: { type: "string" },
      queue: { type: "string" },
      prefix: { type: "string" },
      processes: { type: "string" },
      "allow-source": { type: "boolean", default: false },
      id: { type: "string" },
      "lock-duration": { type: "string" },
      "stalled-interval": { type: "string" },
      "max-stalled": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const connection = values.redis ?? env("REDIS_URL") ??
    "redis://127.0.0.1:6379";
  const node = await WorkerNode.start({
    connection,
    queue: values.queue,
    prefix: values.prefix,
    processes: number("processes", values.processes),
    modules: positionals.map(moduleUrl),
    allowSource: values["allow-source"],
    id: values.id ?? hostAndPid(),
    lockDuration: number("lock-duration", values["lock-duration"]),
    stalledInterval: number("stalled-interval", values["stalled-interval"]),
    maxStalledCount: number("max-stalled", values["max-stalled"]),
  });
  console.log(`worker node ${node.name} ready`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      // A second signal while draining stops at once.
      if (stopping) exitProcess(1);
      stopping = true;
      resolve();
    };
    onStopSignal(stop);
  });
  await node.close();
  console.log(`worker node ${node.name} stopped after ${node.chunks} chunks`);
  return 0;
}

main().then(
  (code) => exitProcess(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    exitProcess(1);
  },
);
