// A proxy held inside a served object (a list of proxies, a Condition over
// a Lock): it keeps its target alive while it is referenced.

/** A reference from one served object to another. */
export class ServedRef {
  constructor(readonly typeid: string, readonly id: number) {}
}
