type Listener = () => void;

/** A single observable value, for the few bits of live state that are not collections. */
export class ValueStore<T> {
  private readonly listeners = new Set<Listener>();

  constructor(private value: T) {}

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): T => this.value;

  set(value: T): void {
    if (Object.is(value, this.value)) return;
    this.value = value;
    for (const listener of this.listeners) listener();
  }
}
