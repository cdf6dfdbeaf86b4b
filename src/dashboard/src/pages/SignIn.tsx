import { useState, type FormEvent } from 'react';
import { ApiError, request, type SessionInfo } from '../api.ts';

/** Sign in with the admin key or an API key; the field is cleared whatever the answer. */
export function SignIn(props: { onSignedIn: (session: SessionInfo) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const secret = key;
    setKey('');
    setBusy(true);
    try {
      props.onSignedIn(
        await request<SessionInfo>('POST', '/dashboard/session', { key: secret }, { quiet401: true }),
      );
    } catch (caught) {
      const status = caught instanceof ApiError ? caught.status : 0;
      setError(
        status === 429
          ? 'Too many failed attempts. Wait a minute and try again.'
          : status === 401
            ? 'Sign-in failed: that key is not valid here.'
            : String((caught as Error).message),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="sign-in">
      <form onSubmit={(event) => void submit(event)}>
        <h1>Portico</h1>
        <p>Sign in with the admin key (operator) or one of your API keys (customer).</p>
        <label htmlFor="key">Key</label>
        <input
          id="key"
          name="key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          required
        />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        {error ? (
          <p className="error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        ) : null}
      </form>
    </div>
  );
}
