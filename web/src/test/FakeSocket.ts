import type { SocketLike } from "../live/DecisionStream";

/**
 * Stands in for the browser's WebSocket in unit tests of the client's own logic: the test plays the
 * server by opening, sending frames and closing.
 */
export class FakeSocket implements SocketLike {
  static created: FakeSocket[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
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
    this.onopen?.({});
  }

  sendDecision(sequence: number, data: object): void {
    this.onmessage?.({ data: JSON.stringify({ type: "decision", sequence, data }) });
  }

  sendRaw(data: unknown): void {
    this.onmessage?.({ data });
  }

  /** The server or the network drops the connection. */
  drop(): void {
    this.onerror?.({});
    this.onclose?.({ code: 1006 });
  }

  close(): void {
    this.closedByClient = true;
    this.onclose?.({ code: 1000 });
  }

  get since(): string | null {
    return new URL(this.url).searchParams.get("since");
  }
}
