import { ErrorResponse, type INavigator, type NavigateParams } from "oidc-client-ts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isSignInResponse, issuerName, providerFrom, signInErrorMessage, startOidc } from "./oidc";

const ISSUER = "http://127.0.0.1:8080/realms/fraudmesh";
const CONFIG = { oidc_issuer: ISSUER, oidc_client_id: "fraudmesh-console" };
const CONSOLE = "http://127.0.0.1:8000/";
const DISCOVERY = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/protocol/openid-connect/auth`,
  token_endpoint: `${ISSUER}/protocol/openid-connect/token`,
  end_session_endpoint: `${ISSUER}/protocol/openid-connect/logout`,
  jwks_uri: `${ISSUER}/protocol/openid-connect/certs`,
};

/** The browser tab: its address (set per test), history, and the two storages. */
function tab(address: string) {
  const url = new URL(address);
  const replaced: string[] = [];
  return {
    location: { origin: url.origin, pathname: url.pathname, search: url.search, hash: url.hash, href: url.href },
    history: { replaceState: (_data: unknown, _unused: string, to?: string | URL | null) => replaced.push(String(to)) },
    sessionStorage: window.sessionStorage,
    replaced,
  };
}

/** Where the library would send the browser, instead of leaving the test's page. */
function watchingNavigator(): INavigator & { visited: string[] } {
  const visited: string[] = [];
  return {
    visited,
    prepare: () =>
      Promise.resolve({
        navigate: (params: NavigateParams) => {
          visited.push(params.url);
          return Promise.resolve({ url: params.url });
        },
        close: () => undefined,
      }),
    callback: () => Promise.resolve(),
  };
}

const base64url = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function idToken(claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}.c2ln`;
}

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(String.fromCharCode(...new Uint8Array(digest)));
}

/** The provider's side over fetch: discovery, and a token endpoint that records what it was sent. */
function provider(tokens: Record<string, unknown>) {
  const tokenRequests: URLSearchParams[] = [];
  const fetch = vi.fn((input: string, init?: RequestInit) => {
    if (input === `${ISSUER}/.well-known/openid-configuration`) return Promise.resolve(Response.json(DISCOVERY));
    if (input === DISCOVERY.token_endpoint) {
      // The library posts the form as a URLSearchParams body.
      tokenRequests.push(new URLSearchParams(init?.body as URLSearchParams));
      return Promise.resolve(Response.json(tokens));
    }
    return Promise.resolve(new Response("not found", { status: 404 }));
  });
  vi.stubGlobal("fetch", fetch);
  return { tokenRequests };
}

beforeEach(() => {
  window.sessionStorage.clear();
  window.localStorage.clear();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("what the edge's /api/config offers", () => {
  it("offers the provider only with both an issuer and a client id", () => {
    expect(providerFrom(CONFIG)).toEqual({ issuer: ISSUER, clientId: "fraudmesh-console" });
    expect(providerFrom({ oidc_issuer: ISSUER, oidc_client_id: "" })).toBeNull();
    expect(providerFrom({ oidc_issuer: "", oidc_client_id: "fraudmesh-console" })).toBeNull();
  });

  it("names the issuer by its host and path", () => {
    expect(issuerName(ISSUER)).toBe("127.0.0.1:8080/realms/fraudmesh");
    expect(issuerName("https://sso.example.com/")).toBe("sso.example.com");
  });

  it("asks for nothing without a provider", async () => {
    expect(await startOidc({ oidc_issuer: "", oidc_client_id: "" }, tab(CONSOLE))).toEqual({ oidc: null, problem: null });
  });
});

describe("the authorization code flow with PKCE", () => {
  it("sends the browser to the provider with an S256 challenge, keeping the flow's state in the tab only", async () => {
    provider({});
    const navigator = watchingNavigator();
    const { oidc } = await startOidc(CONFIG, tab(`${CONSOLE}#/review`), navigator);
    await oidc!.begin();

    const [visited] = navigator.visited;
    const authorize = new URL(visited!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(DISCOVERY.authorization_endpoint);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: "fraudmesh-console",
      response_type: "code",
      response_mode: "query",
      redirect_uri: CONSOLE,
      scope: "openid",
      code_challenge_method: "S256",
    });
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = authorize.searchParams.get("state")!;
    expect(window.sessionStorage.getItem(`oidc.${state}`)).not.toBeNull();
    expect(window.localStorage.length).toBe(0);
  });

  it("trades the code for tokens with the verifier, keeps them for the tab, and goes back to the page", async () => {
    const now = Math.floor(Date.now() / 1000);
    const tokens: Record<string, unknown> = { access_token: "access-1", refresh_token: "refresh-1", token_type: "Bearer" };
    const { tokenRequests } = provider(tokens);
    const navigator = watchingNavigator();
    const started = await startOidc(CONFIG, tab(`${CONSOLE}#/review`), navigator);
    await started.oidc!.begin();
    const authorize = new URL(navigator.visited[0]!);
    const state = authorize.searchParams.get("state")!;
    const nonce = authorize.searchParams.get("nonce") ?? undefined;
    tokens.expires_in = 300;
    tokens.id_token = idToken({ iss: ISSUER, aud: "fraudmesh-console", sub: "user-1", iat: now, exp: now + 300, nonce });
    const answered = tab(`${CONSOLE}?state=${state}&code=the-code`);

    const { oidc, problem } = await startOidc(CONFIG, answered);

    expect(problem).toBeNull();
    expect(oidc!.token()).toBe("access-1");
    const [sent] = tokenRequests;
    expect(sent!.get("grant_type")).toBe("authorization_code");
    expect(sent!.get("code")).toBe("the-code");
    expect(await s256(sent!.get("code_verifier")!)).toBe(authorize.searchParams.get("code_challenge"));
    expect(answered.replaced).toEqual([`${CONSOLE}#/review`]); // the code leaves the address
    expect(Object.keys(window.sessionStorage).some((key) => key.startsWith("oidc.user:"))).toBe(true);
    expect(window.localStorage.length).toBe(0);
  });

  it("renews an expired token with the refresh token when the tab comes back", async () => {
    const now = Math.floor(Date.now() / 1000);
    window.sessionStorage.setItem(
      `oidc.user:${ISSUER}:fraudmesh-console`,
      JSON.stringify({
        access_token: "old",
        refresh_token: "refresh-1",
        token_type: "Bearer",
        expires_at: now - 10,
        id_token: idToken({ iss: ISSUER, sub: "user-1", iat: now - 400 }),
        profile: { sub: "user-1", iss: ISSUER, aud: "fraudmesh-console", exp: now - 10, iat: now - 400 },
      }),
    );
    const { tokenRequests } = provider({
      access_token: "renewed",
      refresh_token: "refresh-2",
      token_type: "Bearer",
      expires_in: 300,
    });

    const { oidc, problem } = await startOidc(CONFIG, tab(CONSOLE));

    expect(problem).toBeNull();
    expect(tokenRequests.map((request) => [request.get("grant_type"), request.get("refresh_token")])).toEqual([
      ["refresh_token", "refresh-1"],
    ]);
    expect(oidc!.token()).toBe("renewed");
  });

  it("forgets an expired token it cannot renew", async () => {
    const now = Math.floor(Date.now() / 1000);
    const key = `oidc.user:${ISSUER}:fraudmesh-console`;
    window.sessionStorage.setItem(
      key,
      JSON.stringify({ access_token: "old", token_type: "Bearer", expires_at: now - 10, profile: { sub: "user-1" } }),
    );
    provider({});

    const { oidc } = await startOidc(CONFIG, tab(CONSOLE));

    expect(oidc!.token()).toBeNull();
    expect(window.sessionStorage.getItem(key)).toBeNull();
  });

  it("signs out of the tab and at the provider, with the id token as hint and the console to come back to", async () => {
    const now = Math.floor(Date.now() / 1000);
    const key = `oidc.user:${ISSUER}:fraudmesh-console`;
    window.sessionStorage.setItem(
      key,
      JSON.stringify({
        access_token: "access-1",
        token_type: "Bearer",
        expires_at: now + 300,
        id_token: "the-id-token",
        profile: { sub: "user-1" },
      }),
    );
    provider({});
    const navigator = watchingNavigator();
    const { oidc } = await startOidc(CONFIG, tab(CONSOLE), navigator);
    expect(oidc!.token()).toBe("access-1");

    await oidc!.signOut();

    expect(oidc!.token()).toBeNull();
    expect(window.sessionStorage.getItem(key)).toBeNull();
    const logout = new URL(navigator.visited[0]!);
    expect(`${logout.origin}${logout.pathname}`).toBe(DISCOVERY.end_session_endpoint);
    expect(logout.searchParams.get("id_token_hint")).toBe("the-id-token");
    expect(logout.searchParams.get("post_logout_redirect_uri")).toBe(CONSOLE);
  });
});

describe("a sign-in that did not work is told, not a blank page", () => {
  it("shows the provider's refusal", async () => {
    provider({});
    const navigator = watchingNavigator();
    const started = await startOidc(CONFIG, tab(CONSOLE), navigator);
    await started.oidc!.begin();
    const state = new URL(navigator.visited[0]!).searchParams.get("state")!;
    const answered = tab(`${CONSOLE}?error=access_denied&error_description=User+cancelled&state=${state}#/models`);

    const { oidc, problem } = await startOidc(CONFIG, answered);

    expect(problem).toBe("The sign-in provider refused the sign-in (access denied: User cancelled).");
    expect(oidc!.token()).toBeNull();
    expect(answered.replaced).toEqual([`${CONSOLE}#/models`]);
  });

  it("refuses an answer to a sign-in this tab did not start", async () => {
    provider({});
    const answered = tab(`${CONSOLE}?code=forged&state=from-elsewhere`);

    const { oidc, problem } = await startOidc(CONFIG, answered);

    expect(problem).toBe("That sign-in answer does not match a sign-in started in this tab; please sign in again.");
    expect(oidc!.token()).toBeNull();
    expect(answered.replaced).toEqual([CONSOLE]);
  });

  it("tells the provider's answers from the console's own addresses", () => {
    expect(isSignInResponse("?code=abc&state=xyz")).toBe(true);
    expect(isSignInResponse("?error=access_denied&state=xyz")).toBe(true);
    expect(isSignInResponse("?state=xyz")).toBe(false);
    expect(isSignInResponse("")).toBe(false);
  });

  it("words other errors with what the provider said", () => {
    expect(signInErrorMessage(new ErrorResponse({ error: "server_error" }))).toBe(
      "The sign-in provider answered with an error (server_error).",
    );
    expect(signInErrorMessage(new Error("Failed to fetch"))).toBe("The sign-in did not complete (Failed to fetch).");
  });
});
