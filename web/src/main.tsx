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
import { issuerName, type OidcSession, startOidc } from "./oidc";
import "./styles/app.css";

// The one place where the console's objects are built and wired; everything below receives them.
const notifier =
  typeof Notification === "undefined"
    ? null
    : new DesktopNotifier(Notification, (id) => {
        window.focus();
        navigate(transactionHref(id));
      });
// An API key pasted in this tab, or the access token of the tab's sign-in at the OIDC provider
// (renewed as it runs out): each request and each (re)opened WebSocket sends the current one.
const apiKey = storedCredential(window.sessionStorage);
let oidc: OidcSession | null = null;
const credential = () => oidc?.token() ?? apiKey;
const fetchWithCredential = (input: string, init?: RequestInit) =>
  window.fetch(input, withCredential(init, credential()));
const api = createApi(fetchWithCredential);
const hub = new LiveHub({
  baseUrl: sameOriginStreamBase(window.location),
  createSocket: (url) => new WebSocket(url, streamProtocols(credential())),
  onAlert: (decision) => notifier?.alert(decision),
  readSince: (since) => readDecisionsSince(api, since),
  readRecent: () => readRecentDecisions(api),
});

const root = createRoot(document.getElementById("root")!);
const signIn = (given: string) => {
  storeCredential(window.sessionStorage, given);
  // One credential at a time: a key replaces whatever is left of a sign-in at the provider.
  void Promise.resolve(oidc?.forget()).finally(() => window.location.reload());
};
const signOut = () => {
  storeCredential(window.sessionStorage, null);
  // Signed in at the provider (its token is the one sent): end its session too; the provider sends
  // the browser back to the console, which asks to sign in again.
  if (oidc?.token()) void oidc.signOut();
  else window.location.reload();
};

const showSession = (session: SessionInfo | null, problem: string | null) => {
  if (session === null) {
    const provider = oidc && { name: issuerName(oidc.provider.issuer), onSignIn: () => void oidc?.begin() };
    root.render(<SignIn problem={problem} provider={provider} onSignIn={signIn} />);
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

/** The session, or why there is none: a credential the edge refused is forgotten, and said so. */
const start = async () => {
  const started = await startOidc(await api.getConfig(), window);
  oidc = started.oidc;
  // A token that could not be renewed in time: the reload asks to sign in again.
  oidc?.onExpired(() => window.location.reload());
  const session = await readSession(fetchWithCredential);
  if (session !== null) return showSession(session, null);
  if (oidc?.token()) {
    await oidc.forget();
    return showSession(null, "The platform refused the provider's token: your account has no role in it.");
  }
  showSession(null, started.problem ?? (apiKey ? "That key was refused: it is unknown or revoked." : null));
};

// The edge busy or away (429, 503, no answer): say so, and let a reload try again.
start().catch((error: unknown) => {
  root.render(
    <main className="sign-in">
      <h1>Fraud mesh</h1>
      <p role="alert">The platform did not answer ({error instanceof Error ? error.message : String(error)}); reload to try again.</p>
    </main>,
  );
});
