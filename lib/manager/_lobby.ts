// The shared memory through which a manager server and the clients in its
// own OS process (the owner thread, child Process threads, pool worker
// threads) exchange bytes without a message or a socket per call: a
// "lobby" of slots, each a pair of byte rings (client → server and
// server → client). A connection starts as before, over TCP or the
// worker channel, with the authkey handshake; a client that holds the
// lobby (it came in its proxy token, which only threads can pass to one
// another) asks for a slot, and the server's welcome names one with a
// fresh nonce written into the slot. The client checks the nonce in its
// copy of the lobby (a copy that is not shared memory cannot have it) and
// from then on writes to the slot; the server answers through the slot from
// the first byte it reads there. The first connection stays open: its end
// tells either side that the other is gone (a thread that exits closes its
// sockets), and the slot is freed.
//
// Wake-ups: a client that wrote bumps the lobby's DOORBELL and notifies
// it; the server loads DOORBELL, reads every slot, and waits on DOORBELL
// with the value it loaded, so a write after its load makes the wait
// return at once. A writer bumps its ring's WRITTEN after the bytes are in
// and notifies it; the reader waits on WRITTEN with the value it last read.
// A reader stores READ after it consumed, then notifies it, for a writer
// waiting for room. Counters are int32 byte counts that wrap.

/** Int32 cells at the start of the lobby. */
const DOORBELL = 0;
const ID = 1;
const HEADER = 16;
/** Int32 cells at the start of each slot. */
const NONCE = 0;
/** Per ring: WRITTEN at `ring`, READ at `ring + 1`. */
const TO_SERVER = 2;
const TO_CLIENT = 4;
const SLOT_HEADER = 32;
/** Bytes of each ring (a power of two). */
export const RING_BYTES = 16 * 1024;
const SLOT_BYTES = SLOT_HEADER + 2 * RING_BYTES;
/** Clients of one server that can use a slot at once; others use TCP. */
export const SLOTS = 64;

/** A new lobby, with a random id that names it in handshakes. */
export function lobbyBuffer(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(HEADER + SLOTS * SLOT_BYTES);
  const cells = new Int32Array(buffer, 0, HEADER / 4);
  cells[ID] = crypto.getRandomValues(new Int32Array(1))[0] | 1;
  return buffer;
}

/** Whether `value` can be a lobby (it travels in tokens). */
export function isLobby(value: unknown): value is SharedArrayBuffer {
  return typeof SharedArrayBuffer === "function" &&
    value instanceof SharedArrayBuffer &&
    value.byteLength === HEADER + SLOTS * SLOT_BYTES;
}

/** The lobby's id, which the client sends in its handshake. */
export function lobbyId(buffer: SharedArrayBuffer): number {
  return new Int32Array(buffer, 0, HEADER / 4)[ID];
}

/** One direction of a slot. */
export class Ring {
  readonly cells: Int32Array;
  readonly written: number;
  readonly read: number;
  #bytes: Uint8Array;

  constructor(buffer: SharedArrayBuffer, slot: number, toServer: boolean) {
    const base = HEADER + slot * SLOT_BYTES;
    this.cells = new Int32Array(buffer, base, SLOT_HEADER / 4);
    this.written = toServer ? TO_SERVER : TO_CLIENT;
    this.read = this.written + 1;
    const at = base + SLOT_HEADER + (toServer ? 0 : RING_BYTES);
    this.#bytes = new Uint8Array(buffer, at, RING_BYTES);
  }

  /** Writes what fits of `bytes`; returns how many bytes it wrote. */
  write(bytes: Uint8Array): number {
    const cells = this.cells;
    const written = Atomics.load(cells, this.written);
    const used = (written - Atomics.load(cells, this.read)) | 0;
    const count = Math.min(bytes.length, RING_BYTES - used);
    if (count === 0) return 0;
    const at = written & (RING_BYTES - 1);
    const first = Math.min(count, RING_BYTES - at);
    this.#bytes.set(
      first === bytes.length ? bytes : bytes.subarray(0, first),
      at,
    );
    if (count > first) this.#bytes.set(bytes.subarray(first, count), 0);
    Atomics.store(cells, this.written, (written + count) | 0);
    Atomics.notify(cells, this.written);
    return count;
  }

  /**
   * Hands what is there to `take` (views into the ring, valid only during
   * the call; one or two of them), then frees the room. Returns the byte
   * count.
   */
  drain(take: (bytes: Uint8Array) => void): number {
    const cells = this.cells;
    const read = cells[this.read];
    const count = (Atomics.load(cells, this.written) - read) | 0;
    if (count === 0) return 0;
    const at = read & (RING_BYTES - 1);
    const first = Math.min(count, RING_BYTES - at);
    take(this.#bytes.subarray(at, at + first));
    if (count > first) take(this.#bytes.subarray(0, count - first));
    Atomics.store(cells, this.read, (read + count) | 0);
    Atomics.notify(cells, this.read);
    return count;
  }

  /** The WRITTEN count, to wait on while it does not change. */
  get seen(): number {
    return Atomics.load(this.cells, this.written);
  }

  /** Whether nothing is left to read. */
  get empty(): boolean {
    return Atomics.load(this.cells, this.written) === this.cells[this.read];
  }

  /** The READ count, to wait on for room while it does not change. */
  get consumed(): number {
    return Atomics.load(this.cells, this.read);
  }
}

/** The slot's nonce, set by the server each time it hands the slot out. */
export function slotNonce(buffer: SharedArrayBuffer, slot: unknown): number {
  if (
    !Number.isInteger(slot) || !(slot as number >= 0 && slot as number < SLOTS)
  ) return 0;
  const at = HEADER + (slot as number) * SLOT_BYTES;
  return Atomics.load(new Int32Array(buffer, at, 8), NONCE);
}

/** Resets slot `slot` for a new connection; returns its new nonce. */
export function resetSlot(buffer: SharedArrayBuffer, slot: number): number {
  const cells = new Int32Array(buffer, HEADER + slot * SLOT_BYTES, 8);
  for (const cell of [TO_SERVER, TO_SERVER + 1, TO_CLIENT, TO_CLIENT + 1]) {
    Atomics.store(cells, cell, 0);
  }
  const nonce = crypto.getRandomValues(new Int32Array(1))[0] | 1;
  Atomics.store(cells, NONCE, nonce);
  return nonce;
}

/** The lobby's doorbell: clients ring it after each write. */
export function doorbell(buffer: SharedArrayBuffer): Int32Array {
  return new Int32Array(buffer, 0, HEADER / 4);
}

/** Rings the server's doorbell. */
export function ring(bell: Int32Array): void {
  Atomics.add(bell, DOORBELL, 1);
  Atomics.notify(bell, DOORBELL);
}

export { DOORBELL };
