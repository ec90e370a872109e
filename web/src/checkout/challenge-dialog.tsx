import { useEffect, useRef } from 'preact/hooks';
import type { RequiresAction } from '../api';
import { formatMoney } from '../format';

/** The local (sandbox) 3-D Secure challenge: modal while `challenge` is set. */
export function ChallengeDialog({
  challenge,
  onAnswer,
}: {
  challenge: RequiresAction | null;
  onAnswer: (succeed: boolean) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (challenge && !element.open) element.showModal();
    else if (!challenge && element.open) element.close();
  }, [challenge]);
  const answer = (succeed: boolean) => {
    dialog.current?.close();
    onAnswer(succeed);
  };
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="challenge-title"
      onCancel={(e) => e.preventDefault()}
    >
      <h2 id="challenge-title">Authenticate your payment</h2>
      <p>
        Your bank asks you to confirm a payment of{' '}
        <strong>{challenge ? formatMoney(challenge.order.totalMinor, challenge.order.currency) : ''}</strong>{' '}
        to Cartwheel.
      </p>
      <p class="muted small">Sandbox 3-D Secure: choose what the bank should answer.</p>
      <div class="dialog-actions">
        <button type="button" class="btn btn-primary" onClick={() => answer(true)}>
          Authenticate
        </button>
        <button type="button" class="btn btn-secondary" onClick={() => answer(false)}>
          Fail authentication
        </button>
      </div>
    </dialog>
  );
}
