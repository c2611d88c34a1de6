import { beforeEach, describe, expect, it, vi } from "vitest";
import { LiveHub } from "./LiveHub";
import { FakeSocket } from "../test/FakeSocket";
import { makeDecision } from "../test/fixtures";
import type { Decision } from "../api/types";

function makeHub(
  readSince?: (since: string) => Promise<Decision[]>,
  readRecent?: () => Promise<Decision[]>,
) {
  FakeSocket.reset();
  const onAlert = vi.fn();
  const hub = new LiveHub({
    baseUrl: "ws://console.test/api/ws",
    createSocket: (url) => new FakeSocket(url),
    now: () => 5_000,
    random: () => 1,
    onAlert,
    readSince,
    readRecent,
  });
  hub.start();
  FakeSocket.latest().open();
  return { hub, onAlert, socket: FakeSocket.latest() };
}

describe("LiveHub", () => {
  beforeEach(() => FakeSocket.reset());

  it("feeds each new decision to the feed, the live numbers, the alerts and followers", () => {
    const { hub, onAlert, socket } = makeHub();
    const followed = vi.fn();
    hub.onDecision(followed);
    socket.sendDecision(1, makeDecision({ id: "a", decision: "APPROVE" }));
    socket.sendDecision(2, makeDecision({ id: "b", decision: "DECLINE", is_fraud: true }));
    expect(hub.feed.getSnapshot().visible.map((e) => e.decision.id)).toEqual(["b", "a"]);
    expect(hub.metrics.snapshot(5_000)).toMatchObject({ total: 2, declineRate: 0.5, fraudRate: 0.5 });
    expect(hub.alerts.getSnapshot().unseen).toBe(1);
    expect(onAlert).toHaveBeenCalledOnce();
    expect(followed).toHaveBeenCalledTimes(2);
    expect(hub.connection.getSnapshot().status).toBe("connected");
  });

  it("treats a later event for a known transaction as an update, not a new decision", () => {
    const { hub, socket } = makeHub();
    socket.sendDecision(1, makeDecision({ id: "a", decision: "REVIEW" }));
    socket.sendDecision(2, makeDecision({ id: "a", decision: "REVIEW", label: "fraud" }));
    expect(hub.metrics.snapshot(5_000).total).toBe(1);
    expect(hub.alerts.getSnapshot().unseen).toBe(1);
    expect(hub.feed.getSnapshot().visible[0]!.decision.label).toBe("fraud");
  });

  it("loses nothing across a reconnect: the feed holds every sequence once", () => {
    vi.useFakeTimers();
    try {
      const { hub, socket } = makeHub();
      for (let sequence = 1; sequence <= 3; sequence += 1) socket.sendDecision(sequence, makeDecision());
      socket.drop();
      expect(hub.connection.getSnapshot().status).toBe("reconnecting");
      vi.runOnlyPendingTimers();
      const resumed = FakeSocket.latest();
      expect(resumed.since).toBe("3");
      resumed.open();
      // The edge replays what came after `since`; a stray repeat of 3 changes nothing.
      for (let sequence = 3; sequence <= 6; sequence += 1) resumed.sendDecision(sequence, makeDecision());
      expect(hub.feed.getSnapshot().visible.map((e) => e.sequence)).toEqual([6, 5, 4, 3, 2, 1]);
      hub.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("fills a gap the stream reports from the store, keeping only what arrived after the last delivered", async () => {
    const at = (minute: number) => `2024-05-01T12:${String(minute).padStart(2, "0")}:00.000Z`;
    const stored = [
      makeDecision({ id: "old", time: at(1), received_at: at(1) }),
      makeDecision({ id: "seen", time: at(2), received_at: at(2) }),
      makeDecision({ id: "lost", decision: "DECLINE", time: at(3), received_at: at(3) }),
    ];
    const readSince = vi.fn(() => Promise.resolve(stored));
    const { hub, socket, onAlert } = makeHub(readSince);
    socket.sendDecision(7, stored[1]!);
    socket.sendRaw(JSON.stringify({ type: "gap", from: 8, to: 10 }));
    await vi.waitFor(() => expect(hub.feed.getSnapshot().gaps[0]!.recovered).toBe(1));
    expect(readSince).toHaveBeenCalledWith("2024-05-01T11:52:00.000Z");
    expect(hub.feed.getSnapshot().visible.map((e) => e.decision.id)).toEqual(["lost", "seen"]);
    expect(onAlert).toHaveBeenCalledWith(expect.objectContaining({ id: "lost" }));
  });

  it("opens with the latest stored decisions under the streamed ones, without counting them as news", async () => {
    let answer: (decisions: Decision[]) => void = () => undefined;
    const readRecent = vi.fn(() => new Promise<Decision[]>((resolve) => (answer = resolve)));
    const { hub, socket, onAlert } = makeHub(undefined, readRecent);
    const followed = vi.fn();
    hub.onDecision(followed);
    // The stream is quicker than the store here: one decision arrives before the page does.
    socket.sendDecision(1, makeDecision({ id: "live" }));
    answer([
      makeDecision({ id: "live" }),
      makeDecision({ id: "old-review", decision: "REVIEW" }),
      makeDecision({ id: "older" }),
    ]);
    await vi.waitFor(() => expect(hub.feed.getSnapshot().total).toBe(3));
    expect(hub.feed.getSnapshot().visible.map((e) => e.decision.id)).toEqual(["live", "old-review", "older"]);
    expect(hub.metrics.snapshot(5_000).total).toBe(1);
    expect(hub.alerts.getSnapshot().unseen).toBe(0);
    expect(onAlert).not.toHaveBeenCalled();
    expect(followed).toHaveBeenCalledTimes(1);
    // Started again (React's StrictMode does), it does not read the store twice.
    hub.stop();
    hub.start();
    expect(readRecent).toHaveBeenCalledOnce();
  });

  it("still streams when the store cannot be read at start, and tries again on the next start", async () => {
    const readRecent = vi.fn(() => Promise.reject(new Error("store down")));
    const { hub, socket } = makeHub(undefined, readRecent);
    socket.sendDecision(1, makeDecision({ id: "live" }));
    await vi.waitFor(() => expect(readRecent).toHaveBeenCalledOnce());
    await new Promise((settled) => setTimeout(settled, 0)); // the failed read has been handled
    expect(hub.feed.getSnapshot().visible.map((e) => e.decision.id)).toEqual(["live"]);
    hub.stop();
    hub.start();
    await vi.waitFor(() => expect(readRecent).toHaveBeenCalledTimes(2));
  });
});
