import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DesktopNotifier, type NotificationApi } from "./DesktopNotifier";
import { makeDecision } from "../test/fixtures";

function fakeNotificationApi(permissionAnswer: NotificationPermission) {
  const shown: Array<{ title: string; body?: string; onclick: ((event: Event) => void) | null }> = [];
  class FakeNotification {
    static permission: NotificationPermission = "default";
    static requestPermission = vi.fn(() => Promise.resolve(permissionAnswer));
    onclick: ((event: Event) => void) | null = null;
    constructor(readonly title: string, options?: NotificationOptions) {
      shown.push(Object.assign(this, { body: options?.body }));
    }
    close() {}
  }
  return { api: FakeNotification as unknown as NotificationApi, shown, requestPermission: FakeNotification.requestPermission };
}

describe("DesktopNotifier", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("shows nothing until enabled, and stays off when the browser refuses", async () => {
    const { api, shown } = fakeNotificationApi("denied");
    const notifier = new DesktopNotifier(api, () => undefined);
    notifier.alert(makeDecision({ decision: "DECLINE" }));
    expect(await notifier.enable()).toBe(false);
    notifier.alert(makeDecision({ decision: "DECLINE" }));
    vi.runAllTimers();
    expect(shown).toHaveLength(0);
  });

  it("shows the first alert at once and sums up a burst in one notification", async () => {
    const { api, shown } = fakeNotificationApi("granted");
    const opened: string[] = [];
    const notifier = new DesktopNotifier(api, (id) => opened.push(id), 5_000);
    expect(await notifier.enable()).toBe(true);
    notifier.alert(makeDecision({ id: "first", decision: "DECLINE", user_id: "alice" }));
    vi.advanceTimersByTime(0);
    expect(shown.map((n) => n.title)).toEqual(["DECLINE: alice"]);
    for (const id of ["b", "c", "d"]) notifier.alert(makeDecision({ id, decision: "REVIEW" }));
    vi.advanceTimersByTime(4_999);
    expect(shown).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(shown.map((n) => n.title)).toEqual(["DECLINE: alice", "3 new alerts"]);
    shown[0]!.onclick?.(new Event("click"));
    expect(opened).toEqual(["first"]);
  });
});
