/**
 * Signing in at the OIDC provider the edge names (GET /api/config): the authorization code flow
 * with PKCE (S256), through oidc-client-ts. The tokens and the flow's state live in the tab's
 * sessionStorage only, so closing the tab signs out of the console (not of the provider); the
 * access token is renewed before it expires with the refresh token when the provider gave one.
 */
import {
  ErrorResponse,
  type INavigator,
  type User,
  UserManager,
  type UserManagerSettings,
  WebStorageStateStore,
} from "oidc-client-ts";

/** The part of /api/config that says how to sign in. */
export interface SignInConfig {
  oidc_issuer?: string;
  oidc_client_id?: string;
}

export interface OidcProvider {
  issuer: string;
  clientId: string;
}

/** Where the provider sends the browser back to: the console's own page, without query or hash. */
interface ConsoleLocation {
  origin: string;
  pathname: string;
}

/** The provider to offer, or null when the edge names none (the console then asks for an API key). */
export function providerFrom(config: SignInConfig): OidcProvider | null {
  if (!config.oidc_issuer || !config.oidc_client_id) return null;
  return { issuer: config.oidc_issuer, clientId: config.oidc_client_id };
}

/** What the issuer is called on the sign-in button: its host and realm path, not the whole URL. */
export function issuerName(issuer: string): string {
  try {
    const url = new URL(issuer);
    return `${url.host}${url.pathname === "/" ? "" : url.pathname}`;
  } catch {
    return issuer;
  }
}

export function oidcSettings(provider: OidcProvider, location: ConsoleLocation, storage: Storage): UserManagerSettings {
  const consolePage = `${location.origin}${location.pathname}`;
  const tabOnly = new WebStorageStateStore({ store: storage });
  return {
    authority: provider.issuer,
    client_id: provider.clientId,
    redirect_uri: consolePage,
    post_logout_redirect_uri: consolePage,
    // The code flow; oidc-client-ts adds PKCE with S256 to it unless told not to.
    response_type: "code",
    response_mode: "query",
    scope: "openid",
    userStore: tabOnly,
    // The library keeps the flow's state (PKCE verifier, nonce) in localStorage by default: not here.
    stateStore: tabOnly,
    // Renewal uses the refresh token; without one there is no silent way (no iframe, which the
    // console's CSP forbids), and the expired session asks to sign in again.
    automaticSilentRenew: true,
    monitorSession: false,
    loadUserInfo: false,
  };
}

/** Whether the page was opened by the provider's answer to a sign-in: ?state= with a code or an error. */
export function isSignInResponse(search: string): boolean {
  const params = new URLSearchParams(search);
  return params.has("state") && (params.has("code") || params.has("error"));
}

/** A sentence for the sign-in page about a sign-in that did not work. */
export function signInErrorMessage(error: unknown): string {
  if (error instanceof ErrorResponse) {
    const detail = error.error_description ? `: ${error.error_description}` : "";
    if (error.error === "access_denied") return `The sign-in provider refused the sign-in (access denied${detail}).`;
    return `The sign-in provider answered with an error (${error.error ?? "unknown"}${detail}).`;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/state/i.test(message)) {
    // The answer does not belong to a sign-in this tab started (another tab, a stale or forged link).
    return "That sign-in answer does not match a sign-in started in this tab; please sign in again.";
  }
  return `The sign-in did not complete (${message}).`;
}

/** The browser's side of the flow, handed in so that tests can watch it without leaving the page. */
export interface OidcWindow {
  location: ConsoleLocation & { search: string; hash: string; href: string };
  history: Pick<History, "replaceState">;
  sessionStorage: Storage;
}

/** The tab's sign-in at the provider: start it, finish it, keep its token fresh, end it. */
export class OidcSession {
  private user: User | null = null;

  constructor(
    readonly provider: OidcProvider,
    private readonly manager: UserManager,
    private readonly window: OidcWindow,
  ) {
    manager.events.addUserLoaded((user) => {
      this.user = user; // a renewed token: the next request and the next WebSocket carry it
    });
    manager.events.addUserUnloaded(() => {
      this.user = null;
    });
  }

  static create(provider: OidcProvider, window: OidcWindow, navigator?: INavigator): OidcSession {
    const manager = new UserManager(oidcSettings(provider, window.location, window.sessionStorage), navigator);
    return new OidcSession(provider, manager, window);
  }

  /** The access token to send, or null when not signed in through the provider. */
  token(): string | null {
    return this.user && !this.user.expired ? this.user.access_token : null;
  }

  /** Leaves for the provider's sign-in page; the console page the user was on comes back after. */
  async begin(): Promise<void> {
    await this.manager.signinRedirect({ state: this.window.location.hash });
  }

  /**
   * On load: finishes a sign-in the provider has just answered, or picks up the tab's earlier one.
   * Throws what the provider or the flow refused (see signInErrorMessage); the address is cleaned
   * of the provider's answer either way, so a reload does not replay it.
   */
  async resume(): Promise<void> {
    const { location, history } = this.window;
    if (isSignInResponse(location.search)) {
      const returnTo = `${location.origin}${location.pathname}`;
      try {
        const user = await this.manager.signinRedirectCallback(location.href);
        this.user = user;
        history.replaceState(null, "", `${returnTo}${typeof user.state === "string" ? user.state : ""}`);
      } catch (error) {
        history.replaceState(null, "", `${returnTo}${location.hash}`);
        throw error;
      }
      return;
    }
    const stored = await this.manager.getUser();
    if (stored && !stored.expired) {
      this.user = stored;
    } else if (stored?.refresh_token) {
      // The tab slept past the token's life: one try with the refresh token, else sign in again.
      this.user = await this.manager.signinSilent().catch(() => null);
    }
    if (this.user === null && stored) await this.manager.removeUser();
  }

  /** Signs out of the tab and of the provider, which sends the browser back to the console. */
  async signOut(): Promise<void> {
    this.user = null;
    // Clears the stored user, then goes to end_session_endpoint with id_token_hint and
    // post_logout_redirect_uri.
    await this.manager.signoutRedirect();
  }

  /** Forgets the tab's sign-in without leaving the page (the platform refused its token). */
  async forget(): Promise<void> {
    this.user = null;
    await this.manager.removeUser();
  }

  /** Called when the access token ran out and could not be renewed. */
  onExpired(callback: () => void): void {
    this.manager.events.addAccessTokenExpired(callback);
  }
}

/**
 * The console's first step: with a provider named in /api/config, finish or pick up the tab's
 * sign-in at it. A failed sign-in is not thrown but told, for the sign-in page to show.
 */
export async function startOidc(
  config: SignInConfig,
  window: OidcWindow,
  navigator?: INavigator,
): Promise<{ oidc: OidcSession | null; problem: string | null }> {
  const provider = providerFrom(config);
  if (!provider) return { oidc: null, problem: null };
  const oidc = OidcSession.create(provider, window, navigator);
  try {
    await oidc.resume();
    return { oidc, problem: null };
  } catch (error) {
    return { oidc, problem: signInErrorMessage(error) };
  }
}
