import type { SocketLike } from "../live/DecisionStream";

/**
 * Stands in for the browser's WebSocket in unit tests of the client's own logic: the test plays the
 * server by opening, sending frames and closing.
 */
export class FakeSocket implements SocketLike {
  static created: FakeSocket[] = [];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closedByClient = false;

  constructor(readonly url: string) {
    FakeSocket.created.push(this);
  }

  static reset(): void {
    FakeSocket.created = [];
  }

  static latest(): FakeSocket {
    const socket = FakeSocket.created[FakeSocket.created.length - 1];
    if (!socket) throw new Error("no socket was created");
    return socket;
  }

  open(): void {
    this.onopen?.(new Event("open"));
  }

  sendDecision(sequence: number, data: object): void {
    this.sendRaw(JSON.stringify({ type: "decision", sequence, data }));
  }

  sendRaw(data: unknown): void {
    this.onmessage?.(new MessageEvent("message", { data }));
  }

  /** The server or the network drops the connection. */
  drop(): void {
    this.onerror?.(new Event("error"));
    this.onclose?.(new CloseEvent("close", { code: 1006 }));
  }

  close(): void {
    this.closedByClient = true;
    this.onclose?.(new CloseEvent("close", { code: 1000 }));
  }

  get since(): string | null {
    return new URL(this.url).searchParams.get("since");
  }
}
