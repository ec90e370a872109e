import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { errorMessage } from '../components';
import { type PickRequest, type Shipped, shipRequest } from './api';

/** The carriers the warehouse uses most; "Other" takes a name. */
export const carriers = ['Royal Mail', 'DPD', 'DHL', 'UPS', 'Evri', 'FedEx'] as const;
const other = 'Other';

type Field = 'carrier' | 'trackingNumber';
type FieldErrors = Partial<Record<Field, string>>;

/** The same rules as the server (shared/fulfilment/warehouse.service.ts), checked first here. */
function check(carrier: string, trackingNumber: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!carrier) errors.carrier = 'Choose a carrier, or type its name.';
  else if (carrier.length > 50) errors.carrier = 'Carrier is at most 50 characters.';
  if (!trackingNumber) errors.trackingNumber = 'Enter the tracking number from the label.';
  else if (trackingNumber.length > 100) errors.trackingNumber = 'Tracking number is at most 100 characters.';
  else if (!/^[A-Za-z0-9][A-Za-z0-9 -]*$/.test(trackingNumber))
    errors.trackingNumber = 'Tracking number is letters, digits, spaces and hyphens.';
  return errors;
}

/**
 * "Mark shipped" in a modal (native `<dialog>`: focus stays inside, Escape cancels). Focus
 * starts on the carrier, moves to the first field in error after a refused submit, and goes
 * back to what opened the dialog when it is cancelled.
 */
export function ShipDialog({
  request,
  onShipped,
  onCancel,
}: {
  request: PickRequest;
  onShipped: (shipped: Shipped) => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const carrierSelect = useRef<HTMLSelectElement>(null);
  const carrierText = useRef<HTMLInputElement>(null);
  const trackingInput = useRef<HTMLInputElement>(null);
  const [choice, setChoice] = useState('');
  const [otherName, setOtherName] = useState('');
  const [tracking, setTracking] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const element = dialog.current;
    element?.showModal();
    carrierSelect.current?.focus();
    return () => {
      if (element?.open) element.close();
      // After shipping, the row may be gone: the page then moves focus itself.
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  const focusFirst = (found: FieldErrors) => {
    if (found.carrier) (choice === other ? carrierText : carrierSelect).current?.focus();
    else if (found.trackingNumber) trackingInput.current?.focus();
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const carrier = (choice === other ? otherName : choice).trim();
    const trackingNumber = tracking.trim();
    const found = check(carrier, trackingNumber);
    setErrors(found);
    setFormError('');
    if (found.carrier || found.trackingNumber) {
      focusFirst(found);
      return;
    }
    setBusy(true);
    try {
      onShipped(await shipRequest(request.id, { carrier, trackingNumber }));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'validation_failed') {
        const fromServer: FieldErrors = {
          ...(e.errors.carrier?.[0] ? { carrier: e.errors.carrier[0] } : {}),
          ...(e.errors.trackingNumber?.[0] ? { trackingNumber: e.errors.trackingNumber[0] } : {}),
        };
        setErrors(fromServer);
        if (!fromServer.carrier && !fromServer.trackingNumber) setFormError(errorMessage(e));
        focusFirst(fromServer);
      } else {
        setFormError(`${errorMessage(e)} Nothing was changed.`);
      }
    } finally {
      setBusy(false);
    }
  };

  const describedBy = (field: Field, hint?: string) =>
    [hint, errors[field] ? `ship-${field}-error` : undefined].filter(Boolean).join(' ') || undefined;

  return (
    <dialog
      ref={dialog}
      class="dialog ship-dialog"
      aria-labelledby="ship-title"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      <form noValidate onSubmit={(event) => void submit(event)}>
        <h2 id="ship-title">Mark order {request.orderId} shipped</h2>
        <p class="muted">The shopper gets an email with the carrier and tracking number.</p>
        {formError ? (
          <p class="notice notice-error" role="alert">
            {formError}
          </p>
        ) : null}
        <div class={`field${errors.carrier ? ' has-error' : ''}`}>
          <label for="ship-carrier">Carrier</label>
          <select
            id="ship-carrier"
            ref={carrierSelect}
            value={choice}
            onChange={(event) => setChoice(event.currentTarget.value)}
            aria-invalid={errors.carrier && choice !== other ? 'true' : undefined}
            aria-describedby={choice !== other ? describedBy('carrier') : undefined}
          >
            <option value="">Choose…</option>
            {carriers.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
            <option value={other}>Other…</option>
          </select>
          {choice === other ? (
            <>
              <label for="ship-carrier-other">Carrier name</label>
              <input
                id="ship-carrier-other"
                ref={carrierText}
                value={otherName}
                maxLength={50}
                onInput={(event) => setOtherName(event.currentTarget.value)}
                aria-invalid={errors.carrier ? 'true' : undefined}
                aria-describedby={describedBy('carrier')}
              />
            </>
          ) : null}
          {errors.carrier ? (
            <p class="field-error" id="ship-carrier-error">
              {errors.carrier}
            </p>
          ) : null}
        </div>
        <div class={`field${errors.trackingNumber ? ' has-error' : ''}`}>
          <label for="ship-tracking">Tracking number</label>
          <input
            id="ship-tracking"
            ref={trackingInput}
            value={tracking}
            maxLength={100}
            autocomplete="off"
            spellcheck={false}
            onInput={(event) => setTracking(event.currentTarget.value)}
            aria-invalid={errors.trackingNumber ? 'true' : undefined}
            aria-describedby={describedBy('trackingNumber', 'ship-tracking-hint')}
          />
          <p class="muted" id="ship-tracking-hint">
            As printed on the carrier's label: letters, digits, spaces and hyphens.
          </p>
          {errors.trackingNumber ? (
            <p class="field-error" id="ship-trackingNumber-error">
              {errors.trackingNumber}
            </p>
          ) : null}
        </div>
        <div class="dialog-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Mark shipped'}
          </button>
          <button type="button" class="btn btn-secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
