import { useMemo, useSyncExternalStore } from "react";

// Function properties, not methods: React calls both without their object, so they must be bound
// (the stores define them as arrow functions).
export interface Subscribable<T> {
  readonly subscribe: (listener: () => void) => () => void;
  readonly getSnapshot: () => T;
}

/**
 * Reads a plain-TS store. With `perFrame`, a burst of changes (hundreds of decisions a second)
 * re-renders at most once per animation frame instead of once per decision.
 */
export function useStore<T>(store: Subscribable<T>, perFrame = false): T {
  const subscribe = useMemo(() => (perFrame ? coalescePerFrame(store.subscribe) : store.subscribe), [store, perFrame]);
  return useSyncExternalStore(subscribe, store.getSnapshot, store.getSnapshot);
}

type Subscribe = (listener: () => void) => () => void;

function coalescePerFrame(subscribe: Subscribe): Subscribe {
  const schedule: (callback: () => void) => unknown =
    typeof requestAnimationFrame === "function" ? requestAnimationFrame : (callback) => setTimeout(callback, 16);
  return (listener) => {
    let scheduled = false;
    let active = true;
    const unsubscribe = subscribe(() => {
      if (scheduled) return;
      scheduled = true;
      schedule(() => {
        scheduled = false;
        if (active) listener();
      });
    });
    return () => {
      active = false;
      unsubscribe();
    };
  };
}
