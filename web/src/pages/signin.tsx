import { useEffect, useState } from 'preact/hooks';
import { type ClientConfig, clientConfig } from '../api';
import { ErrorBox, errorMessage, Spinner, useTitle } from '../components';
import type { PageProps } from '../main';
import { navigate } from '../router';
import { announce, session, signInEntra, signInLocal, useStore } from '../store';

function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function SignIn({ location }: PageProps) {
  const user = useStore(session);
  const next = safeNext(location.search.get('next'));
  const [config, setConfig] = useState<ClientConfig | null>(null);
  const [configError, setConfigError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useTitle('Sign in');

  useEffect(() => {
    clientConfig().then(setConfig, setConfigError);
  }, []);

  const done = (who: string) => {
    announce(`Signed in as ${who}.`);
    navigate(next, { replace: true });
  };

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
      const s = await signInLocal(name);
      done(s.name);
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
      if (s) done(s.name);
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
