// A worker's message channel made to look like a socket, for the manager
// connection between a `Manager()` server's worker and the thread that
// started it (postMessage is quicker than TCP loopback). Both ends use it.
// An empty chunk is the end of the stream: either side's `close()` sends
// one, and receiving one closes this side.
import type { Socket, SocketEvents } from "../_runtime/mod.ts";

const EOF = new Uint8Array(0);

/** One end of a channel, and where the other end's bytes go in. */
export interface ChannelEnd {
  readonly socket: Socket;
  /** Bytes from the other end (an empty chunk is its `close()`). */
  receive(bytes: Uint8Array): void;
}

/** Hooks of a channel end: how to send, and the worker's ref count. */
export interface ChannelHooks {
  post(bytes: Uint8Array): void;
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
      if (open && bytes.length > 0) hooks.post(bytes);
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
      if (bytes.length === 0) end();
      else events.data(bytes);
    },
  };
}
