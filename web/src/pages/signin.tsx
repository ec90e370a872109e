import { useEffect, useState } from 'preact/hooks';
import { type ClientConfig, clientConfig } from '../api';
import { ErrorBox, errorMessage, Spinner, useTitle } from '../components';
import type { PageProps } from '../main';
import { readPending, resumePending } from '../pending-action';
import { navigate } from '../router';
import { announce, type LocalRole, localRoles, session, signInEntra, signInLocal, useStore } from '../store';

function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function SignIn({ location }: PageProps) {
  const user = useStore(session);
  const next = safeNext(location.search.get('next'));
  const [config, setConfig] = useState<ClientConfig | null>(null);
  const [configError, setConfigError] = useState<unknown>(null);
  const [name, setName] = useState('');
  // Local issuer only: the role the token carries (staff pages check it on the server).
  const [role, setRole] = useState<LocalRole>('shopper');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [pending] = useState(readPending);
  const reason = location.search.get('reason');
  useTitle('Sign in');

  useEffect(() => {
    clientConfig().then(setConfig, setConfigError);
  }, []);

  const done = async (who: string) => {
    announce(`Signed in as ${who}.`);
    // an add to cart that sent the shopper here is performed now; it lands on its product
    if (!(await resumePending())) navigate(next, { replace: true });
  };

  // signed in meanwhile in another tab (the session is shared): carry on with what this tab asked
  useEffect(() => {
    if (user && !busy && pending) void resumePending();
  }, [user, busy]);

  const what = pending
    ? `${pending.quantity > 1 ? `${pending.quantity} × ` : ''}${pending.name ?? 'this item'}`
    : '';

  const submitLocal = async (event: Event) => {
    event.preventDefault();
    if (!name.trim()) {
      setError('Enter a name to sign in with.');
      document.getElementById('signin-name')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const s = await signInLocal(name, role === 'shopper' ? ['shopper'] : ['shopper', role]);
      await done(s.name);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const entra = async () => {
    setBusy(true);
    setError(null);
    try {
      const s = await signInEntra();
      if (s) await done(s.name);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="page narrow signin">
      <div class="panel">
        <h1 tabIndex={-1}>Sign in</h1>
        {reason === 'expired' && (
          <p class="notice notice-info" data-testid="signin-reason">
            Your sign-in has expired. Sign in again to continue
            {pending ? ` and we will add ${what} to your cart.` : '.'}
          </p>
        )}
        {reason !== 'expired' && pending && (
          <p class="notice notice-info" data-testid="signin-reason">
            Sign in to add this to your cart: {what}. We will add it as soon as you are signed in.
          </p>
        )}
        {user && (
          <p class="notice notice-info">
            You are signed in as {user.name}. <a href={next}>Continue</a>
          </p>
        )}
        {configError ? (
          <ErrorBox error={configError} onRetry={() => window.location.reload()} />
        ) : !config ? (
          <Spinner />
        ) : config.auth.mode === 'entra' ? (
          <>
            <p>Sign in or create an account with your email.</p>
            <button type="button" class="btn btn-primary btn-large btn-block" onClick={entra} disabled={busy}>
              {busy ? 'Opening sign-in…' : 'Continue to sign in'}
            </button>
          </>
        ) : (
          <form onSubmit={submitLocal} noValidate>
            <p class="muted">Local shop: any name works. It becomes your account id on this machine.</p>
            <div class={`field${error ? ' has-error' : ''}`}>
              <label for="signin-name">Your name</label>
              <input
                id="signin-name"
                name="name"
                autoComplete="name"
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
                aria-invalid={error ? 'true' : undefined}
                aria-describedby={error ? 'signin-error' : undefined}
                required
              />
              {error && (
                <p class="field-error" id="signin-error" role="alert">
                  {error}
                </p>
              )}
            </div>
            <div class="field">
              <label for="signin-role">Role (local shop only)</label>
              <select
                id="signin-role"
                name="role"
                value={role}
                onChange={(e) => setRole(e.currentTarget.value as LocalRole)}
              >
                {localRoles.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" class="btn btn-primary btn-large btn-block" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        )}
        {config?.auth.mode === 'entra' && error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </section>
  );
}
