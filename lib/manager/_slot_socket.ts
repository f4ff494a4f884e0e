// Both ends of a lobby slot (see `_lobby.ts`) made to look like the socket
// the connection started on: writes go to the slot's ring, bytes read from
// the other ring are delivered as that socket's data, and closing, the
// close event and ref counting stay the first socket's. The server's end
// is fed by its `SlotHub`, which waits on the doorbell for all its slots.
import type { Socket, SocketEvents } from "../_runtime/mod.ts";
import {
  DOORBELL,
  doorbell,
  lobbyId,
  resetSlot,
  Ring,
  ring,
  SLOTS,
} from "./_lobby.ts";

/** The longest the server blocks its thread waiting for a request. */
const SLICE_MS = 1;
/** How long after its last request the server keeps blocking in slices. */
const IDLE_MS = 20;

/** The longest a client blocks its thread for a reply before it awaits. */
const CLIENT_WINDOW_MS = 0.2;
/** Lobbies served by this thread. */
const servedHere = new Set<number>();

/** Writes to a ring, queueing what does not fit until the reader makes room. */
class RingWriter {
  pending = 0;
  closed = false;
  #ring: Ring;
  #wrote: () => void;
  #queue: Uint8Array[] = [];

  constructor(target: Ring, wrote: () => void) {
    this.#ring = target;
    this.#wrote = wrote;
  }

  /** Takes `bytes` (the caller does not reuse them). */
  write(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    if (this.#queue.length === 0) {
      const count = this.#ring.write(bytes);
      if (count > 0) this.#wrote();
      if (count === bytes.length) return;
      bytes = bytes.subarray(count);
    }
    this.#queue.push(bytes);
    this.pending += bytes.length;
    if (this.#queue.length === 1) void this.#drain();
  }

  async #drain(): Promise<void> {
    const target = this.#ring;
    while (this.#queue.length > 0 && !this.closed) {
      const consumed = target.consumed;
      const head = this.#queue[0];
      const count = target.write(head);
      if (count > 0) {
        this.#wrote();
        this.pending -= count;
        if (count === head.length) this.#queue.shift();
        else this.#queue[0] = head.subarray(count);
        continue;
      }
      const waited = Atomics.waitAsync(target.cells, target.read, consumed);
      if (waited.async) await waited.value;
    }
    this.#queue = [];
    this.pending = 0;
  }
}

/**
 * The client's end of slot `slot`: writes go to the server through the
 * slot, replies from it go to `events.data`. `base` is the connection the
 * client opened, which stays open, and whose close ends this one too.
 */
export function clientSlot(
  base: Socket,
  lobby: SharedArrayBuffer,
  slot: number,
  events: SocketEvents,
): Socket {
  const bell = doorbell(lobby);
  const replies = new Ring(lobby, slot, false);
  // Whether replies are awaited (the client refs its socket meanwhile),
  // and whether the async reading loop runs.
  let awaited = true;
  let reading = false;
  const read = async () => {
    reading = true;
    while (!writer.closed && awaited) {
      const seen = replies.seen;
      if (replies.drain(events.data) > 0) continue;
      const waited = Atomics.waitAsync(replies.cells, replies.written, seen);
      if (waited.async) await waited.value;
    }
    reading = false;
  };
  // After a request, the reply usually comes within microseconds: wait for
  // it blocking for a moment (a futex wakes at once; an async wait goes
  // through the event loop), unless the server runs on this thread. What
  // has not come by then, the reading loop waits for.
  const window = servedHere.has(lobbyId(lobby)) ? 0 : CLIENT_WINDOW_MS;
  const writer = new RingWriter(new Ring(lobby, slot, true), () => {
    const seen = replies.seen;
    ring(bell);
    if (
      window > 0 &&
      Atomics.wait(replies.cells, replies.written, seen, window) !== "timed-out"
    ) {
      replies.drain(events.data);
    }
    if (awaited && !reading) void read();
  });
  return {
    write: (bytes) => writer.write(bytes),
    close() {
      if (writer.closed) return;
      writer.closed = true;
      // Ends the reading loop's wait.
      Atomics.notify(replies.cells, replies.written);
      base.close();
    },
    ref() {
      awaited = true;
      base.ref();
    },
    unref() {
      awaited = false;
      base.unref();
    },
    get pending() {
      return writer.pending + base.pending;
    },
    pause() {},
    resume() {},
  };
}

/** A slot the server handed out, until its connection closes. */
interface Entry {
  readonly slot: number;
  readonly requests: Ring;
  readonly writer: RingWriter;
  readonly events: SocketEvents;
  /** Whether the client has written to the slot (it uses it). */
  used: boolean;
  paused: boolean;
}

/** What the server's end of a slot is, and how the client learns of it. */
export interface SlotLink {
  readonly socket: Socket;
  readonly slot: number;
  readonly nonce: number;
}

/**
 * The server's side of a lobby: hands out slots and waits on the doorbell
 * for all of them, delivering each slot's bytes to its connection.
 */
export class SlotHub {
  readonly lobby: SharedArrayBuffer;
  #bell: Int32Array;
  #free: number[] = [];
  #open = new Set<Entry>();
  #stopped = false;
  #running = false;
  #busy: () => boolean;

  /** `busy`: whether a served call is out (then the hub never blocks). */
  constructor(lobby: SharedArrayBuffer, busy: () => boolean) {
    this.lobby = lobby;
    this.#busy = busy;
    this.#bell = doorbell(lobby);
    servedHere.add(lobbyId(lobby));
    for (let slot = SLOTS - 1; slot >= 0; slot--) this.#free.push(slot);
  }

  /**
   * A slot for the connection on `base` whose events are `events`, if the
   * client named this lobby (`id`) and a slot is free, else `null`. Until
   * the client writes to the slot, writes go to `base`.
   */
  open(id: unknown, base: Socket, events: SocketEvents): SlotLink | null {
    if (this.#stopped || id !== lobbyId(this.lobby)) return null;
    const slot = this.#free.pop();
    if (slot === undefined) return null;
    const nonce = resetSlot(this.lobby, slot);
    const replies = new Ring(this.lobby, slot, false);
    const entry: Entry = {
      slot,
      requests: new Ring(this.lobby, slot, true),
      writer: new RingWriter(replies, () => {}),
      events,
      used: false,
      paused: false,
    };
    this.#open.add(entry);
    if (!this.#running) void this.#serve();
    const socket: Socket = {
      write(bytes) {
        if (entry.used) entry.writer.write(bytes);
        else base.write(bytes);
      },
      close: () => {
        if (entry.writer.closed) return;
        entry.writer.closed = true;
        this.#open.delete(entry);
        base.close();
      },
      ref: () => base.ref(),
      unref: () => base.unref(),
      get pending() {
        return entry.writer.pending + base.pending;
      },
      pause() {
        entry.paused = true;
        base.pause();
      },
      resume: () => {
        entry.paused = false;
        base.resume();
        ring(this.#bell);
      },
    };
    return { socket, slot, nonce };
  }

  /**
   * The connection of `link` ended; `clientDone`: the client closed it (or
   * its thread is gone), so it writes to the slot no more and the slot can
   * serve another client. A slot whose client may still write is not
   * handed out again.
   */
  release(link: SlotLink, clientDone: boolean): void {
    link.socket.close();
    if (clientDone) this.#free.push(link.slot);
  }

  /** Slots whose client writes through them. */
  get used(): number {
    let used = 0;
    for (const entry of this.#open) if (entry.used) used++;
    return used;
  }

  /** Stops serving the slots. */
  stop(): void {
    this.#stopped = true;
    for (const entry of this.#open) entry.writer.closed = true;
    this.#open.clear();
    ring(this.#bell);
  }

  async #serve(): Promise<void> {
    this.#running = true;
    const bell = this.#bell;
    let lastWork = performance.now();
    let sliceEnd = lastWork + SLICE_MS;
    while (!this.#stopped) {
      const seen = Atomics.load(bell, DOORBELL);
      let delivered = false;
      for (const entry of this.#open) {
        if (entry.paused || entry.writer.closed) continue;
        if (entry.requests.drain(entry.events.data) > 0) {
          entry.used = delivered = true;
        }
      }
      if (this.#stopped) break;
      let now = performance.now();
      if (delivered) {
        lastWork = now;
        // Replies are flushed in microtasks: let them run.
        await null;
        now = performance.now();
      }
      if (now >= sliceEnd) {
        // The slice is over: one turn of the event loop (other
        // connections, timers), even while requests keep coming.
        await new Promise((resolve) => setImmediate(resolve));
        sliceEnd = performance.now() + SLICE_MS;
        continue;
      }
      if (delivered) continue;
      // Hot: wait blocking (a futex wakes in microseconds, an async wait
      // goes through the event loop), until the slice ends, while no served
      // call is out (its promise needs the event loop). Returns at once if
      // a client rang since `seen`.
      if (now - lastWork < IDLE_MS && !this.#busy()) {
        Atomics.wait(bell, DOORBELL, seen, sliceEnd - now);
        continue;
      }
      const waited = Atomics.waitAsync(bell, DOORBELL, seen);
      if (waited.async) await waited.value;
      sliceEnd = performance.now() + SLICE_MS;
    }
    this.#running = false;
  }
}
