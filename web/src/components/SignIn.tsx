import { useState, type FormEvent } from "react";

interface SignInProps {
  refused: boolean;
  onSignIn: (credential: string) => void;
}

/** Asks for an API key: the platform refuses every call without one. */
export function SignIn({ refused, onSignIn }: SignInProps) {
  const [credential, setCredential] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (credential.trim()) onSignIn(credential.trim());
  };
  return (
    <main className="sign-in">
      <h1>Fraud mesh</h1>
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
        {refused && <p role="alert">That key was refused: it is unknown or revoked.</p>}
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
