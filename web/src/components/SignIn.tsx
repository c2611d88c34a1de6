import { useState, type FormEvent } from "react";

interface SignInProps {
  /** Why the last sign-in did not work (a refused key, the provider's error); null: nothing to say. */
  problem: string | null;
  onSignIn: (credential: string) => void;
  /** The OIDC provider to offer beside the key, when the edge names one. */
  provider?: { name: string; onSignIn: () => void } | null;
}

/** Asks for an API key, or offers the OIDC provider: the platform refuses every call without one. */
export function SignIn({ problem, onSignIn, provider = null }: SignInProps) {
  const [credential, setCredential] = useState("");
  const [leaving, setLeaving] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (credential.trim()) onSignIn(credential.trim());
  };
  return (
    <main className="sign-in">
      <h1>Fraud mesh</h1>
      {problem && <p role="alert">{problem}</p>}
      {provider && (
        <p>
          <button
            type="button"
            disabled={leaving}
            onClick={() => {
              setLeaving(true); // the provider's page is loading: one click is enough
              provider.onSignIn();
            }}
          >
            Sign in with {provider.name}
          </button>
        </p>
      )}
      <form onSubmit={submit} aria-label="Sign in">
        <label htmlFor="credential">API key</label>
        <input
          id="credential"
          type="password"
          autoComplete="off"
          value={credential}
          onChange={(event) => setCredential(event.target.value)}
        />
        <button type="submit">Sign in</button>
        <p>`make up` prints the local admin key; `fraudctl keys create --role viewer --name NAME` makes more.</p>
      </form>
    </main>
  );
}

interface SessionBarProps {
  actor: string;
  roles: string[];
  onSignOut: () => void;
}

/** Who is signed in, and the way out. */
export function SessionBar({ actor, roles, onSignOut }: SessionBarProps) {
  return (
    <div className="session-bar" aria-label="Session">
      <span>
        Signed in as <strong>{actor}</strong> ({roles.join(", ")})
      </span>
      <button type="button" onClick={onSignOut}>
        Sign out
      </button>
    </div>
  );
}
