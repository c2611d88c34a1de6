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
import { readSession, type SessionInfo, storeCredential, storedCredential, streamProtocols, withCredential } from "./session";
import { SessionBar, SignIn } from "./components/SignIn";
import "./styles/app.css";

// The one place where the console's objects are built and wired; everything below receives them.
const notifier =
  typeof Notification === "undefined"
    ? null
    : new DesktopNotifier(Notification, (id) => {
        window.focus();
        navigate(transactionHref(id));
      });
const credential = storedCredential(window.sessionStorage);
const fetchWithCredential = (input: string, init?: RequestInit) =>
  window.fetch(input, withCredential(init, credential));
const api = createApi(fetchWithCredential);
const hub = new LiveHub({
  baseUrl: sameOriginStreamBase(window.location),
  createSocket: (url) => new WebSocket(url, streamProtocols(credential)),
  onAlert: (decision) => notifier?.alert(decision),
  readSince: (since) => readDecisionsSince(api, since),
  readRecent: () => readRecentDecisions(api),
});

const root = createRoot(document.getElementById("root")!);
const signIn = (given: string) => {
  storeCredential(window.sessionStorage, given);
  window.location.reload();
};
const signOut = () => signIn("");

const showSession = (session: SessionInfo | null) => {
  if (session === null) {
    root.render(<SignIn refused={credential !== null} onSignIn={signIn} />);
    return;
  }
  root.render(
    <StrictMode>
      {session.access_control && <SessionBar actor={session.actor} roles={session.roles} onSignOut={signOut} />}
      <ServicesContext value={{ api, hub, notifier, allowed: new Set(session.allowed) }}>
        <App />
      </ServicesContext>
    </StrictMode>,
  );
};

// The edge busy or away (429, 503, no answer): say so, and let a reload try again.
readSession(fetchWithCredential).then(showSession, (error: unknown) => {
  root.render(
    <main className="sign-in">
      <h1>Fraud mesh</h1>
      <p role="alert">The platform did not answer ({error instanceof Error ? error.message : String(error)}); reload to try again.</p>
    </main>,
  );
});
