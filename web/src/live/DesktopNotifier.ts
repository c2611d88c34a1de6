import type { Decision } from "../api/types";

/** The slice of the browser's Notification API in use, so tests and old browsers can do without it. */
export interface NotificationApi {
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  new (title: string, options?: NotificationOptions): { onclick: ((event: Event) => void) | null; close(): void };
}

/**
 * Optional desktop notifications for alerts, at most one per interval: under heavy traffic a burst of
 * alerts becomes one notification that says how many, not a flood the analyst must dismiss.
 */
export class DesktopNotifier {
  private enabled = false;
  private pending: Decision[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: NotificationApi | undefined,
    private readonly openTransaction: (id: string) => void,
    private readonly intervalMs = 5_000,
  ) {}

  get supported(): boolean {
    return this.api !== undefined;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Asks for permission when needed; resolves to whether notifications are now on. */
  async enable(): Promise<boolean> {
    if (!this.api) return false;
    const permission = this.api.permission === "granted" ? "granted" : await this.api.requestPermission();
    this.enabled = permission === "granted";
    return this.enabled;
  }

  disable(): void {
    this.enabled = false;
    this.pending = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  alert(decision: Decision): void {
    if (!this.enabled || !this.api) return;
    this.pending.push(decision);
    this.timer ??= setTimeout(() => this.flush(), this.pending.length === 1 ? 0 : this.intervalMs);
  }

  private flush(): void {
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (!this.enabled || !this.api || batch.length === 0) return;
    const first = batch[0]!;
    const title = batch.length === 1 ? `${first.decision}: ${first.user_id}` : `${batch.length} new alerts`;
    const body =
      batch.length === 1
        ? `${first.amount} ${first.currency}, score ${first.score.toFixed(2)}`
        : batch.slice(0, 3).map((d) => `${d.decision} ${d.user_id}`).join(", ");
    const notification = new this.api(title, { body, tag: "fraudmesh-alerts" });
    notification.onclick = () => this.openTransaction(first.id);
    // Hold the next one back for the interval so a burst becomes a single summary.
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.pending.length > 0) this.flush();
    }, this.intervalMs);
  }
}
