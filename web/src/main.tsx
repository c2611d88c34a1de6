import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { createApi } from "./api/client";
import { readRecentDecisions } from "./api/readRecent";
import { readDecisionsSince } from "./api/readSince";
import { DesktopNotifier } from "./live/DesktopNotifier";
import { LiveHub } from "./live/LiveHub";
import { sameOriginStreamBase } from "./live/streamProtocol";
import { navigate, transactionHref } from "./routing";
import { ServicesContext } from "./services";
import "./styles/app.css";

// The one place where the console's objects are built and wired; everything below receives them.
const notifier =
  typeof Notification === "undefined"
    ? null
    : new DesktopNotifier(Notification, (id) => {
        window.focus();
        navigate(transactionHref(id));
      });
const api = createApi((input, init) => window.fetch(input, init));
const hub = new LiveHub({
  baseUrl: sameOriginStreamBase(window.location),
  createSocket: (url) => new WebSocket(url),
  onAlert: (decision) => notifier?.alert(decision),
  readSince: (since) => readDecisionsSince(api, since),
  readRecent: () => readRecentDecisions(api),
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ServicesContext value={{ api, hub, notifier }}>
      <App />
    </ServicesContext>
  </StrictMode>,
);
