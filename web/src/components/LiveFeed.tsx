import { useRef, type KeyboardEvent } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { FeedEntry } from "../live/FeedStore";
import { FeedRow } from "./FeedRow";

const ROW_ESTIMATE_PX = 44;

/**
 * The feed as a virtualised list: only the rows in view exist in the DOM, so thousands of rows
 * scroll smoothly. Arrow keys (or j/k) move between rows, Home/End jump, Enter opens one.
 */
export function LiveFeed({ entries }: { entries: readonly FeedEntry[] }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- only the React Compiler cares, and the console does not use it
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_ESTIMATE_PX,
    overscan: 8,
    getItemKey: (index) => entries[index]!.key,
  });

  const focusRow = (index: number) => {
    const target = Math.max(0, Math.min(entries.length - 1, index));
    virtualizer.scrollToIndex(target, { align: "auto" });
    // The row may only exist after the virtualiser has rendered it.
    requestAnimationFrame(() => {
      scrollRef.current?.querySelector<HTMLElement>(`[data-row-index="${target}"]`)?.focus();
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const active = document.activeElement as HTMLElement | null;
    const current = active?.dataset.rowIndex !== undefined ? Number(active.dataset.rowIndex) : -1;
    const moves: Record<string, number> = {
      ArrowDown: current + 1,
      j: current + 1,
      ArrowUp: current - 1,
      k: current - 1,
      Home: 0,
      End: entries.length - 1,
      PageDown: current + 10,
      PageUp: current - 10,
    };
    const next = moves[event.key];
    if (next === undefined || entries.length === 0) return;
    event.preventDefault();
    focusRow(next);
  };

  return (
    <div
      ref={scrollRef}
      className="feed-scroll"
      tabIndex={0}
      role="region"
      aria-label="Live decisions, newest first; arrow keys move between rows"
      onKeyDown={onKeyDown}
      data-testid="feed"
    >
      {entries.length === 0 ? (
        <p className="empty">No decisions yet. Submit a transaction or start the generated traffic.</p>
      ) : (
        <div className="feed-inner" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => (
            <div
              key={String(item.key)}
              ref={virtualizer.measureElement}
              data-index={item.index}
              className="feed-slot"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <FeedRow entry={entries[item.index]!} index={item.index} />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
