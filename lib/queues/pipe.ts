/**
 * `Pipe()`: two connected `Connection` ends in shared memory.
 *
 * @module
 */
import { Adopted } from "../_core/shared.ts";
import { Connection } from "./connection.ts";
import { type Ends, handles, pipeMemory, ring } from "./_ends.ts";
import { describe } from "../_core/validate.ts";

function connection(ends: Ends): Connection {
  return new Connection(new Adopted({ ends, rebuilt: false }));
}

/**
 * Creates a pipe, like Python's `multiprocessing.Pipe`: two connected ends
 * in shared memory. With `duplex` (the default) both ends send and
 * receive; otherwise the first end only receives and the second only sends.
 *
 * @param duplex Whether both ends may send. @default true
 * @returns The two ends.
 * @throws {TypeError} If `duplex` is not a boolean.
 *
 * @example Usage
 * ```ts
 * import { Pipe } from "@seed/multiprocessing";
 * import assert from "node:assert/strict";
 *
 * const [receiver, sender] = Pipe(false);
 * sender.send("ping");
 * assert.equal(receiver.poll(), true);
 * assert.equal(receiver.recv(), "ping");
 * ```
 */
export function Pipe(duplex: boolean = true): [Connection, Connection] {
  if (typeof duplex !== "boolean") {
    throw new TypeError(
      `Cannot create Pipe: duplex must be a boolean, received ${
        describe(duplex)
      }`,
    );
  }
  const rings = duplex ? 2 : 1;
  const buffer = pipeMemory(rings);
  const first = handles(buffer, rings, 0);
  const second = handles(buffer, rings, 1);
  const forward = ring(buffer, 0);
  if (!duplex) {
    return [
      connection({ reader: forward, writer: null, handles: first }),
      connection({ reader: null, writer: forward, handles: second }),
    ];
  }
  const backward = ring(buffer, 1);
  return [
    connection({ reader: backward, writer: forward, handles: first }),
    connection({ reader: forward, writer: backward, handles: second }),
  ];
}
