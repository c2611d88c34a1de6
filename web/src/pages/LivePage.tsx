import { useServices } from "../services";
import { useStore } from "../hooks/useStore";
import { AlertsPanel } from "../components/AlertsPanel";
import { FeedFilters } from "../components/FeedFilters";
import { FeedToolbar } from "../components/FeedToolbar";
import { LiveCharts } from "../components/LiveCharts";
import { LiveFeed } from "../components/LiveFeed";

export function LivePage() {
  const { hub } = useServices();
  const snapshot = useStore(hub.feed, true);
  return (
    <div className="live-page">
      <section className="feed-section" aria-labelledby="feed-heading">
        <h2 id="feed-heading">Live feed</h2>
        <FeedToolbar snapshot={snapshot} onPause={() => hub.feed.pause()} onResume={() => hub.feed.resume()} />
        <FeedFilters filter={snapshot.filter} onChange={(filter) => hub.feed.setFilter(filter)} />
        <LiveFeed entries={snapshot.visible} />
      </section>
      <aside className="live-side">
        <LiveCharts />
        <AlertsPanel />
      </aside>
    </div>
  );
}
