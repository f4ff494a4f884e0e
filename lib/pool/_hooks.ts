// The three calls each pool class makes for the public methods it inherits
// from `BasePool`: symbol-keyed, so they stay out of the public API.

/** `[MAP_HOOK](what, kind, fn, iterable, options, known)`: map and starmap. */
export const MAP_HOOK: unique symbol = Symbol("map");
/** `[APPLY_HOOK](what, fn, args, options, known)`: apply and applyAsync. */
export const APPLY_HOOK: unique symbol = Symbol("apply");
/** `[IMAP_HOOK](what, ordered, fn, iterable, options)`: imap and imapUnordered. */
export const IMAP_HOOK: unique symbol = Symbol("imap");
