import { useEffect, useState, type FormEvent } from "react";
import { api, ApiFailure } from "./api";

interface User {
  id: number;
  email: string;
}

interface Health {
  status: string;
  checks: Record<string, { status: string }>;
}

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [health, setHealth] = useState<Health | null>(null);

  useEffect(() => {
    api<User>("/api/v1/auth/me/").then(setUser, () => setUser(null));
    fetch("/healthz")
      .then((r) => r.json() as Promise<Health>)
      .then(setHealth, () => setHealth(null));
  }, []);

  return (
    <main className="shell">
      <header>
        <h1>Kalshi Bot Builder</h1>
        <p className="tagline">Draw trading rules. Run them 24/7 on the sandbox, Kalshi demo or production.</p>
      </header>
      {user === undefined ? <p>Loading…</p> : user ? <Welcome user={user} onSignOut={() => setUser(null)} /> : <SignIn onSignedIn={setUser} />}
      <footer>
        <span data-testid="health">Service: {health ? health.status : "unknown"}</span>
        <a href="/api/docs/">API documentation</a>
      </footer>
    </main>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      onSignedIn(await api<User>("/api/v1/auth/login/", { method: "POST", body: { email, password } }));
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.body.message : "The server could not be reached.");
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Sign in">
      <h2>Sign in</h2>
      <label>
        Email
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="username" />
      </label>
      <label>
        Password
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="current-password" />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit">Sign in</button>
    </form>
  );
}

function Welcome({ user, onSignOut }: { user: User; onSignOut: () => void }) {
  async function signOut() {
    await api("/api/v1/auth/logout/", { method: "POST" });
    onSignOut();
  }
  return (
    <section className="card">
      <h2>Signed in as {user.email}</h2>
      <p>The bot editor arrives in the next release. Meanwhile the whole API is live: see the documentation below.</p>
      <button onClick={signOut}>Sign out</button>
    </section>
  );
}
