import type { FeedGap } from "./FeedStore";

/** Says how many decisions the stream could not replay and how many the store gave back. */
export function gapMessage(gaps: readonly FeedGap[]): string {
  // A gap's `to` is exclusive: decisions from..to-1 were not replayed. Some may not concern this
  // console's filter, so the store's answer, not the count, says what was really missed.
  const skipped = gaps.reduce((sum, gap) => sum + Math.max(0, gap.to - gap.from), 0);
  const pending = gaps.some((gap) => gap.recovered === null);
  const recovered = gaps.reduce((sum, gap) => sum + (gap.recovered ?? 0), 0);
  const plural = (count: number) => (count === 1 ? "" : "s");
  if (pending) return `The stream skipped ${skipped} decision${plural(skipped)} while disconnected; not yet read back from the store.`;
  return `The stream skipped ${skipped} decision${plural(skipped)} while disconnected; ${recovered} read back from the store and shown in place.`;
}
