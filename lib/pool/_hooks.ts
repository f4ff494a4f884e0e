// What every pool class shares beyond `BasePool`'s public methods: the three
// calls it implements for them (symbol-keyed, so they stay out of the public
// API), its states, and imap's bound.

/** `[MAP_HOOK](what, kind, fn, iterable, options, known)`: map and starmap. */
export const MAP_HOOK: unique symbol = Symbol("map");
/** `[APPLY_HOOK](what, fn, args, options, known)`: apply and applyAsync. */
export const APPLY_HOOK: unique symbol = Symbol("apply");
/** `[IMAP_HOOK](what, ordered, fn, iterable, options)`: imap and imapUnordered. */
export const IMAP_HOOK: unique symbol = Symbol("imap");

/** A pool's states, as in Python. */
export const RUN = 0;
export const CLOSE = 1;
export const TERMINATE = 2;

/** imap keeps at most this many chunks per worker in flight or unread. */
export const IMAP_CHUNKS_PER_WORKER = 16;
