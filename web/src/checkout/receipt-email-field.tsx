// The email the receipt goes to: prefilled from the identity, editable at checkout.

/** A light client check; the server's rule (shared/checkout/checkout-request.ts) decides. */
export function validateEmail(email: string): { email?: string } {
  const trimmed = email.trim();
  if (!trimmed) return { email: 'Enter the email address for your receipt.' };
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(trimmed))
    return { email: 'Enter an email address, like you@example.com.' };
  return {};
}

export function ReceiptEmailField({
  email,
  error,
  onChange,
  onBlur,
}: {
  email: string;
  error: string | undefined;
  onChange: (value: string) => void;
  onBlur: () => void;
}) {
  return (
    <fieldset class="panel">
      <legend>Contact</legend>
      <div class={`field${error ? ' has-error' : ''}`}>
        {/* id ship-email: the error links and focusField find every checkout field as ship-<name> */}
        <label for="ship-email">Email for your receipt</label>
        <input
          id="ship-email"
          name="email"
          type="email"
          autoComplete="email"
          value={email}
          required
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'ship-email-error' : 'ship-email-hint'}
          onInput={(e) => onChange(e.currentTarget.value)}
          onBlur={onBlur}
        />
        {error ? (
          <p class="field-error" id="ship-email-error">
            {error}
          </p>
        ) : (
          <p class="muted small" id="ship-email-hint">
            We send your receipt and shipping updates here.
          </p>
        )}
      </div>
    </fieldset>
  );
}
