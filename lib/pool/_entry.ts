// The entry point of a pool worker: the worker entry (`_worker_main.ts`)
// with the pool half loaded up front, in the same pass, instead of after the
// first message, which costs a second round of module loading. The pool half
// comes first: the entry listens for messages as soon as it has run.
import "./_worker.ts";
import "../_worker_main.ts";
