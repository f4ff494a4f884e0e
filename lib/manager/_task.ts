// How a client names a function for a manager's Pool: by its export name
// and source text, never as code to run (the server looks it up among the
// exports of the modules its owner allowed).

/** A task function as a client names it. */
export interface TaskName {
  readonly name: string;
  /** `null` when the client gave the export's name only. */
  readonly source: string | null;
}

/**
 * Names `fn`: a function by its name and source (the server runs the
 * export with that very source), a string as an export's name (for a
 * client whose runtime prints the export's source differently).
 */
export function taskName(
  fn: string | ((...args: never[]) => unknown),
): TaskName {
  return typeof fn === "string" ? { name: fn, source: null } : {
    name: fn.name || "anonymous",
    source: Function.prototype.toString.call(fn),
  };
}
