import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import type { Api } from "../api/client";
import { LiveHub } from "../live/LiveHub";
import { ServicesContext } from "../services";
import { FakeSocket } from "./FakeSocket";
import { fakeApi } from "./fakeApi";

/** Renders a component with a real LiveHub on a FakeSocket and the given (fake) Api. */
export function renderWithServices(ui: ReactElement, api: Api = fakeApi(), allowed?: ReadonlySet<string>) {
  FakeSocket.reset();
  const hub = new LiveHub({ baseUrl: "ws://console.test/api/ws", createSocket: (url) => new FakeSocket(url) });
  const result = render(<ServicesContext value={{ api, hub, notifier: null, allowed }}>{ui}</ServicesContext>);
  return { ...result, hub, api };
}
