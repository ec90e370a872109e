// The back-office pages' answer when they cannot show themselves: a sign-in prompt when signed
// out, a refusal when the API said 403 (the server checks the role; this only words it).
import { ApiError } from './api';
import { SignInPrompt } from './components';

export function StaffAccess({
  title,
  userName,
  next,
  signInMessage,
  refusal,
}: {
  title: string;
  /** The signed-in user's name; undefined when signed out. */
  userName: string | undefined;
  next: string;
  signInMessage: string;
  /** Who the page is for, e.g. "marketing. Your account ... does not have the marketing role". */
  refusal: (userName: string) => string;
}) {
  return (
    <section class="page narrow">
      <h1 tabIndex={-1}>{title}</h1>
      {userName === undefined ? (
        <SignInPrompt next={next} message={signInMessage} />
      ) : (
        <div class="notice notice-error" role="alert" data-testid="refused">
          <p>{refusal(userName)}</p>
        </div>
      )}
    </section>
  );
}

/** True when the page gives way to StaffAccess: signed out, or the API refused the role (403). */
export function needsStaffAccess(userName: string | undefined, error: unknown): boolean {
  return userName === undefined || (error instanceof ApiError && error.status === 403);
}
