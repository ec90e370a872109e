import type { ShippingAddress } from '../api';
import { type AddressField, addressFields, countries } from './shipping-address';

/** The shipping address fieldset; `fieldError` says which message (if any) each field shows. */
export function ShippingAddressForm({
  address,
  fieldError,
  onChange,
  onBlur,
}: {
  address: ShippingAddress;
  fieldError: (name: AddressField) => string | undefined;
  onChange: (name: AddressField, value: string) => void;
  onBlur: (name: AddressField) => void;
}) {
  const countryError = fieldError('country');
  return (
    <fieldset class="panel">
      <legend>Shipping address</legend>
      {addressFields.map((f) => {
        const error = fieldError(f.name);
        const id = `ship-${f.name}`;
        return (
          <div class={`field${error ? ' has-error' : ''}`} key={f.name}>
            <label for={id}>
              {f.label}
              {f.optional ? <span class="muted"> (optional)</span> : null}
            </label>
            <input
              id={id}
              name={f.name}
              autoComplete={f.autoComplete}
              value={address[f.name]}
              required={!f.optional}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
              onInput={(e) => onChange(f.name, e.currentTarget.value)}
              onBlur={() => onBlur(f.name)}
            />
            {error && (
              <p class="field-error" id={`${id}-error`}>
                {error}
              </p>
            )}
          </div>
        );
      })}
      <div class={`field${countryError ? ' has-error' : ''}`}>
        <label for="ship-country">Country</label>
        <select
          id="ship-country"
          name="country"
          autoComplete="shipping country"
          value={address.country}
          aria-invalid={countryError ? 'true' : undefined}
          aria-describedby={countryError ? 'ship-country-error' : undefined}
          onChange={(e) => onChange('country', e.currentTarget.value)}
        >
          {countries.map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </select>
        {countryError && (
          <p class="field-error" id="ship-country-error">
            {countryError}
          </p>
        )}
      </div>
    </fieldset>
  );
}
