// Who hears that a thread this thread started has ended, so that what the
// thread held is released for it: a Process or pool worker reports its end
// here, and the connection handles (queues/_handles.ts) listen. A hook, so
// that starting threads does not load the queues.

const listeners = new Set<(pid: number) => void>();

/** Calls `listener` with the pid of every thread of ours that ends. */
export function onThreadExit(listener: (pid: number) => void): void {
  listeners.add(listener);
}

/** Reports that thread `pid`, started by this thread, has ended. */
export function threadExited(pid: number): void {
  for (const listener of listeners) listener(pid);
}
