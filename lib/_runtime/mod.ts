/**
 * The one place that knows which runtime is running. Every other file asks
 * {@linkcode runtime} and never touches `Deno`, `Bun`, `process` or a worker
 * constructor itself.
 *
 * @module
 */

import { create as createBun } from "./bun.ts";
import { create as createDeno } from "./deno.ts";
import { create as createNode } from "./node.ts";

export type * from "./types.ts";
import type { Runtime, RuntimeName } from "./types.ts";

function detect(): RuntimeName {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}

// Chosen synchronously: no top-level await anywhere in a worker's module
// graph, so a worker listens for messages as soon as its module has run.
const adapters: Record<RuntimeName, () => Runtime> = {
  deno: createDeno,
  bun: createBun,
  node: createNode,
};

/** The running runtime's adapter, chosen once at load. */
export const runtime: Runtime = adapters[detect()]();
