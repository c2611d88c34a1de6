/**
 * happy-dom does no layout, so every element measures 0×0 and a virtualised list shows no rows.
 * Give the feed's scroll box the size a browser window would, for the duration of a test file.
 */
export function giveFeedAViewport(width = 1000, height = 600): () => void {
  const proto = HTMLElement.prototype;
  const sized = (element: Element) => element.classList.contains("feed-scroll");
  const restorers = (["clientWidth", "clientHeight"] as const).map((property) => {
    const original = Object.getOwnPropertyDescriptor(proto, property);
    const value = property === "clientWidth" ? width : height;
    Object.defineProperty(proto, property, {
      configurable: true,
      get(this: Element) {
        return sized(this) ? value : ((original?.get?.call(this) as number | undefined) ?? 0);
      },
    });
    return () => original && Object.defineProperty(proto, property, original);
  });
  return () => restorers.forEach((restore) => restore());
}
