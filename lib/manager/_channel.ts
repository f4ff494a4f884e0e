// A worker's message channel made to look like a socket, for the manager
// connection between a `Manager()` server's worker and the thread that
// started it (postMessage is quicker than TCP loopback). Both ends use it.
// An empty chunk is the end of the stream: either side's `close()` sends
// one, and receiving one closes this side. Chunks travel as `ArrayBuffer`s:
// Deno's worker channel clones a `Uint8Array` 100 times slower (4 MiB:
// 4.5 s against 44 ms).
import type { Socket, SocketEvents } from "../_runtime/mod.ts";

const EOF = new ArrayBuffer(0);

/** The bytes of `chunk` as an `ArrayBuffer` of their own. */
function bufferOf(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer;
  return whole ? bytes.buffer as ArrayBuffer : bytes.slice().buffer;
}

/** One end of a channel, and where the other end's bytes go in. */
export interface ChannelEnd {
  readonly socket: Socket;
  /** Bytes from the other end (an empty chunk is its `close()`). */
  receive(bytes: ArrayBuffer | Uint8Array): void;
}

/** Hooks of a channel end: how to send, and the worker's ref count. */
export interface ChannelHooks {
  post(bytes: ArrayBuffer): void;
  ref?(): void;
  unref?(): void;
}

/** Makes one end of a channel that delivers to `events`. */
export function channelEnd(
  hooks: ChannelHooks,
  events: SocketEvents,
): ChannelEnd {
  let open = true;
  const end = () => {
    if (!open) return;
    open = false;
    events.close();
  };
  const socket: Socket = {
    write(bytes) {
      if (open && bytes.length > 0) hooks.post(bufferOf(bytes));
    },
    close() {
      if (open) hooks.post(EOF);
      end();
    },
    ref() {
      hooks.ref?.();
    },
    unref() {
      hooks.unref?.();
    },
    pending: 0,
    pause() {},
    resume() {},
  };
  return {
    socket,
    receive(bytes) {
      if (!open) return;
      if (bytes.byteLength === 0) end();
      else {events.data(
          bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes),
        );}
    },
  };
}
