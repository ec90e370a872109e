import { useEffect, useRef } from 'preact/hooks';

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  run: () => Promise<void>;
}

/**
 * A modal confirmation (native `<dialog>`: focus stays inside, Escape cancels). Focus starts on
 * Cancel, the safe choice for a destructive action, and goes back to what opened it on close.
 */
export function ConfirmDialog({
  request,
  busy,
  onConfirm,
  onCancel,
}: {
  request: ConfirmRequest;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const element = dialog.current;
    element?.showModal();
    cancel.current?.focus();
    return () => {
      if (element?.open) element.close();
      // The opener may be gone (its row purged): then the dead-letters heading takes focus.
      const target = opener?.isConnected ? opener : document.getElementById('dead-letters-heading');
      target?.focus();
    };
  }, []);
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-message"
      onCancel={(event) => {
        // Escape: close through state, so the page decides what happens next.
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <h2 id="confirm-title">{request.title}</h2>
      <p id="confirm-message">{request.message}</p>
      <div class="dialog-actions">
        <button type="button" class="btn btn-danger" onClick={onConfirm} disabled={busy}>
          {busy ? 'Working…' : request.confirmLabel}
        </button>
        <button type="button" class="btn btn-secondary" ref={cancel} onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
