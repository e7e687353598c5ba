import { useState } from "preact/hooks";
import { describe, post, setToken } from "../lib/api";

export function LoginPage({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const token = await post<{ access_token: string }>("/auth/login", { username, password });
      setToken(token.access_token);
      onLoggedIn();
    } catch (err) {
      setError(describe(err));
    }
  };
  return (
    <form class="card login" onSubmit={submit} aria-label="Log in">
      <h1>Log in to PyStator</h1>
      <label class="field">
        User name
        <input name="username" autocomplete="username" value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} required />
      </label>
      <label class="field">
        Password
        <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary">Log in</button>
    </form>
  );
}
