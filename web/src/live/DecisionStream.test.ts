import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DecisionStream, type ConnectionStatus } from "./DecisionStream";
import { FakeSocket } from "../test/FakeSocket";
import { makeDecision } from "../test/fixtures";

const BASE = "ws://console.test/api/ws";

function startStream(options: { random?: () => number; now?: () => number; filter?: object } = {}) {
  const delivered: number[] = [];
  const statuses: Array<[ConnectionStatus, number | null]> = [];
  const gaps: Array<[number, number]> = [];
  let resets = 0;
  const stream = new DecisionStream({
    baseUrl: BASE,
    createSocket: (url) => new FakeSocket(url),
    random: options.random ?? (() => 0.5),
    now: options.now,
    filter: options.filter,
    backoff: { initialMs: 100, maxMs: 1_000, factor: 2 },
    handlers: {
      onDecision: (sequence) => delivered.push(sequence),
      onGap: (from, to) => gaps.push([from, to]),
      onSequenceReset: () => (resets += 1),
      onStatus: (status, retry) => statuses.push([status, retry]),
    },
  });
  stream.start();
  return { stream, delivered, statuses, gaps, resets: () => resets };
}

describe("DecisionStream", () => {
  beforeEach(() => {
    FakeSocket.reset();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("connects without a resume point and reports connected once open", () => {
    const { stream, statuses } = startStream();
    expect(FakeSocket.created).toHaveLength(1);
    expect(FakeSocket.latest().url).toBe(BASE);
    expect(stream.status).toBe("connecting");
    FakeSocket.latest().open();
    expect(stream.status).toBe("connected");
    expect(statuses.map(([status]) => status)).toEqual(["connecting", "connected"]);
  });

  it("puts the server-side filter into the address", () => {
    startStream({ filter: { decisions: ["REVIEW", "DECLINE"], userId: "u 7", minScore: 0.4, fraudOnly: true } });
    const params = new URL(FakeSocket.latest().url).searchParams;
    expect(params.getAll("decision")).toEqual(["REVIEW", "DECLINE"]);
    expect(params.get("user_id")).toBe("u 7");
    expect(params.get("min_score")).toBe("0.4");
    expect(params.get("fraud_only")).toBe("true");
  });

  it("delivers decisions in order and drops repeated sequence numbers", () => {
    const { stream, delivered } = startStream();
    const socket = FakeSocket.latest();
    socket.open();
    for (const sequence of [1, 2, 2, 3, 1, 4]) socket.sendDecision(sequence, makeDecision());
    expect(delivered).toEqual([1, 2, 3, 4]);
    expect(stream.duplicatesDropped).toBe(2);
    expect(stream.lastSequence).toBe(4);
  });

  it("ignores frames that are not well-formed messages", () => {
    const { delivered } = startStream();
    const socket = FakeSocket.latest();
    socket.open();
    socket.sendRaw("not json");
    socket.sendRaw(JSON.stringify({ type: "decision", sequence: "7", data: {} }));
    socket.sendRaw(JSON.stringify({ type: "hello" }));
    socket.sendDecision(5, makeDecision());
    expect(delivered).toEqual([5]);
  });

  it("reconnects after a drop and resumes after the last sequence without gaps or duplicates", () => {
    const { delivered, statuses } = startStream();
    const first = FakeSocket.latest();
    first.open();
    for (const sequence of [1, 2, 3]) first.sendDecision(sequence, makeDecision());
    first.drop();
    expect(statuses.at(-1)).toEqual(["reconnecting", 75]);
    expect(FakeSocket.created).toHaveLength(1);

    vi.advanceTimersByTime(74);
    expect(FakeSocket.created).toHaveLength(1);
    vi.advanceTimersByTime(1);
    const second = FakeSocket.latest();
    expect(FakeSocket.created).toHaveLength(2);
    expect(second.since).toBe("3");

    // The server replays from the resume point inclusively; events 4..6 happened while we were away.
    second.open();
    for (const sequence of [3, 4, 5, 6, 7]) second.sendDecision(sequence, makeDecision());
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("backs off exponentially with jitter up to the ceiling while the edge stays down", () => {
    const draws = [0, 1, 0.5, 0, 1, 1, 1];
    const { statuses } = startStream({ random: () => draws.shift() ?? 1 });
    const delays: number[] = [];
    for (let attempt = 0; attempt < 7; attempt += 1) {
      FakeSocket.latest().drop();
      const [, delay] = statuses.at(-1)!;
      delays.push(delay!);
      vi.advanceTimersByTime(delay!);
    }
    // ceilings 100, 200, 400, 800, 1000, 1000, 1000; each wait lies in [ceiling/2, ceiling].
    expect(delays).toEqual([50, 200, 300, 400, 1000, 1000, 1000]);
    expect(FakeSocket.created).toHaveLength(8);
  });

  it("starts backoff afresh after a connection that stayed up", () => {
    let clock = 0;
    const { statuses } = startStream({ now: () => clock });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      FakeSocket.latest().drop();
      vi.advanceTimersByTime(statuses.at(-1)![1]!);
    }
    expect(statuses.at(-1)![0]).toBe("reconnecting");
    const socket = FakeSocket.latest();
    socket.open();
    clock += 60_000;
    socket.drop();
    expect(statuses.at(-1)).toEqual(["reconnecting", 75]);
  });

  it("reports a gap (its end is exclusive) and resumes past it", () => {
    const { delivered, gaps } = startStream();
    const first = FakeSocket.latest();
    first.open();
    first.sendDecision(10, makeDecision());
    first.drop();
    vi.runOnlyPendingTimers();
    const second = FakeSocket.latest();
    second.open();
    second.sendRaw(JSON.stringify({ type: "gap", from: 11, to: 21 }));
    expect(second.since).toBe("10");
    second.drop();
    vi.runOnlyPendingTimers();
    // Nothing below 21 can come any more, so the next resume point is 20 and 21 is still taken.
    const third = FakeSocket.latest();
    expect(third.since).toBe("20");
    third.open();
    third.sendDecision(21, makeDecision());
    expect(gaps).toEqual([[11, 21]]);
    expect(delivered).toEqual([10, 21]);
  });

  it("follows a restarted notify_svc's new numbering, which the edge announces with a gap from 1", () => {
    const { delivered, resets, gaps } = startStream();
    const first = FakeSocket.latest();
    first.open();
    first.sendDecision(500, makeDecision());
    first.drop();
    vi.runOnlyPendingTimers();
    const second = FakeSocket.latest();
    expect(second.since).toBe("500");
    second.open();
    second.sendRaw(JSON.stringify({ type: "gap", from: 1, to: 3 }));
    second.sendDecision(3, makeDecision());
    second.sendDecision(4, makeDecision());
    second.sendDecision(4, makeDecision());
    expect(resets()).toBe(1);
    expect(gaps).toEqual([[1, 3]]);
    expect(delivered).toEqual([500, 3, 4]);
    second.drop();
    vi.runOnlyPendingTimers();
    expect(FakeSocket.latest().since).toBe("4");
  });

  it("without such a notice, treats numbers at or below the resume point as repeats", () => {
    const { delivered, resets } = startStream();
    const first = FakeSocket.latest();
    first.open();
    first.sendDecision(5, makeDecision());
    first.drop();
    vi.runOnlyPendingTimers();
    const second = FakeSocket.latest();
    second.open();
    for (const sequence of [3, 4, 5, 6]) second.sendDecision(sequence, makeDecision());
    expect(resets()).toBe(0);
    expect(delivered).toEqual([5, 6]);
  });

  it("stops for good: closes the socket and schedules no retry", () => {
    const { stream } = startStream();
    const socket = FakeSocket.latest();
    socket.open();
    stream.stop();
    expect(socket.closedByClient).toBe(true);
    expect(stream.status).toBe("stopped");
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.created).toHaveLength(1);
  });

  it("ignores late events from a socket it has already replaced", () => {
    const { delivered } = startStream();
    const first = FakeSocket.latest();
    first.open();
    first.sendDecision(1, makeDecision());
    first.drop();
    vi.runOnlyPendingTimers();
    first.sendDecision(2, makeDecision());
    expect(delivered).toEqual([1]);
  });

  it("retries when the socket cannot even be created", () => {
    let failures = 1;
    const statuses: ConnectionStatus[] = [];
    const stream = new DecisionStream({
      baseUrl: BASE,
      createSocket: (url) => {
        if (failures-- > 0) throw new Error("blocked");
        return new FakeSocket(url);
      },
      random: () => 1,
      handlers: { onDecision: () => undefined, onStatus: (status) => statuses.push(status) },
    });
    stream.start();
    expect(statuses).toEqual(["connecting", "reconnecting"]);
    vi.runOnlyPendingTimers();
    FakeSocket.latest().open();
    expect(stream.status).toBe("connected");
  });
});
