// Everything a driver and its worker nodes agree on: the protocol version,
// the shape of a chunk job's data and return value, the custom event that
// cancels running chunks, and how a node names itself to Redis (BullMQ puts
// a worker's name in its connection name, which `Queue.getWorkers()` lists).

import type { FunctionRef } from "../_core/function_ref.ts";
import type { Encoded } from "./_codec.ts";

/** Bumped whenever job data or results change shape; both sides check it. */
export const PROTOCOL_VERSION = 1;

/** The BullMQ job name of every chunk. */
export const CHUNK_JOB = "chunk";

/** The custom queue event (QueueEventsProducer) that cancels running chunks. */
export const CANCEL_EVENT = "seedmp-cancel";

/**
 * A task function as it travels: its name, its source text and the modules
 * the driver listed. A node looks for an export with that source in those
 * of the modules it allows (the driver need not import anything), and runs
 * the source text itself only when started with `--allow-source`.
 */
export type WireFunction = FunctionRef;

/** The data of one chunk job. */
export interface ChunkData {
  /** {@linkcode PROTOCOL_VERSION} of the driver. */
  readonly v: number;
  readonly fn: WireFunction;
  /** CALL, ITEM, MAP or STARMAP of `lib/_core/protocol.ts`. */
  readonly kind: number;
  /** The arguments, items or argument lists, encoded by `_codec.ts`. */
  readonly payload: Encoded;
}

/** The return value of a chunk job: OK with the encoded value, or FAILED with the encoded error. */
export interface ChunkResult {
  readonly status: number;
  readonly value: Encoded;
}

/** What a node announces about itself in its worker name. */
export interface NodeInfo {
  readonly version: number;
  readonly processes: number;
  readonly id: string;
}

const PREFIX = "seedmp";

/** The BullMQ worker name of a node: no spaces (Redis connection names). */
export function nodeName(processes: number, id: string): string {
  return `${PREFIX}/${PROTOCOL_VERSION}/${processes}/${id.replace(/\s/g, "_")}`;
}

/** Parses a raw Redis client name (`bull:<queue>:w:<name>`); null if not a node's. */
export function parseNodeName(rawname: string): NodeInfo | null {
  const name = rawname.slice(rawname.indexOf(":w:") + 3);
  const [prefix, version, processes, ...id] = name.split("/");
  if (prefix !== PREFIX || id.length === 0) return null;
  return {
    version: Number(version),
    processes: Number(processes),
    id: id.join("/"),
  };
}
