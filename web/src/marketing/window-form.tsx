import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { errorMessage } from '../components';
import type { SalesWindowInput, SalesWindowView } from './api';

type Field = 'name' | 'start' | 'end' | 'timeZone' | 'expectedPeakRps';
const fields: Field[] = ['name', 'start', 'end', 'timeZone', 'expectedPeakRps'];
const ids: Record<Field, string> = {
  name: 'window-name',
  start: 'window-start',
  end: 'window-end',
  timeZone: 'window-tz',
  expectedPeakRps: 'window-peak',
};

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? ['Europe/London', 'Europe/Berlin', 'America/New_York'];
}

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/London';
}

interface Props {
  /** The window being edited, or undefined to book a new one. */
  editing?: SalesWindowView;
  onSave(input: SalesWindowInput): Promise<unknown>;
  onCancel(): void;
  /** Focus the first field on mount (editing, or the next booking); not on the page's first load. */
  autoFocus?: boolean;
}

/**
 * Add or edit a window. Errors come from the server (422 per field) and are shown next to
 * their field, listed in a summary, and focus moves to the first field in error.
 */
export function WindowForm({ editing, onSave, onCancel, autoFocus = false }: Props) {
  const [values, setValues] = useState({
    name: editing?.name ?? '',
    start: editing?.start ?? '',
    end: editing?.end ?? '',
    timeZone: editing?.timeZone ?? browserZone(),
    expectedPeakRps: editing ? String(editing.expectedPeakRps) : '',
  });
  const [errors, setErrors] = useState<Partial<Record<Field | 'form', string[]>>>({});
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const firstField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (autoFocus) firstField.current?.focus();
  }, [editing?.id]);

  const set = (field: Field) => (event: Event) =>
    setValues((v) => ({ ...v, [field]: (event.currentTarget as HTMLInputElement).value }));

  const showErrors = (next: Partial<Record<Field | 'form', string[]>>) => {
    setErrors(next);
    const first = fields.find((field) => next[field]?.length);
    // After render: move focus to the first field in error (or the summary).
    setTimeout(() => {
      if (first) document.getElementById(ids[first])?.focus();
      else summary.current?.focus();
    }, 0);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const missing: Partial<Record<Field, string[]>> = {};
    for (const field of fields) {
      if (!values[field].trim()) missing[field] = ['is required'];
    }
    if (Object.keys(missing).length > 0) return showErrors(missing);
    setBusy(true);
    try {
      await onSave({
        name: values.name.trim(),
        start: values.start,
        end: values.end,
        timeZone: values.timeZone.trim(),
        expectedPeakRps: Number(values.expectedPeakRps),
        ...(editing ? { version: editing.version } : {}),
      });
      setErrors({});
    } catch (error) {
      if (error instanceof ApiError && Object.keys(error.errors).length > 0) {
        const next: Partial<Record<Field | 'form', string[]>> = {};
        for (const [field, messages] of Object.entries(error.errors)) {
          const key = (fields as string[]).includes(field) ? (field as Field) : 'form';
          next[key] = [...(next[key] ?? []), ...messages];
        }
        showErrors(next);
      } else {
        showErrors({ form: [errorMessage(error)] });
      }
    } finally {
      setBusy(false);
    }
  };

  const labels: Record<Field, string> = {
    name: 'Name',
    start: 'Start (local time)',
    end: 'End (local time)',
    timeZone: 'Time zone',
    expectedPeakRps: 'Expected peak (requests per second)',
  };
  const messages = Object.entries(errors).flatMap(([field, list]) =>
    (list ?? []).map((message) => `${field === 'form' ? '' : `${labels[field as Field]}: `}${message}`),
  );

  return (
    <form class="panel window-form" onSubmit={submit} noValidate aria-labelledby="window-form-title">
      <h2 id="window-form-title">{editing ? `Edit '${editing.name}'` : 'Book a sale window'}</h2>
      {messages.length > 0 && (
        <div class="notice notice-error" role="alert" tabIndex={-1} ref={summary}>
          <p>Nothing was saved. Please fix:</p>
          <ul>
            {messages.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        </div>
      )}
      <div class="grid">
        {fields.map((field) => {
          const error = errors[field];
          const errorId = `${ids[field]}-error`;
          return (
            <div key={field} class={`field${error ? ' has-error' : ''}`}>
              <label for={ids[field]}>{labels[field]}</label>
              <input
                id={ids[field]}
                name={field}
                ref={field === 'name' ? firstField : undefined}
                type={
                  field === 'start' || field === 'end'
                    ? 'datetime-local'
                    : field === 'expectedPeakRps'
                      ? 'number'
                      : 'text'
                }
                min={field === 'expectedPeakRps' ? 1 : undefined}
                step={field === 'expectedPeakRps' ? 1 : undefined}
                list={field === 'timeZone' ? 'window-tz-list' : undefined}
                value={values[field]}
                onInput={set(field)}
                required
                aria-invalid={error ? 'true' : undefined}
                aria-describedby={error ? errorId : undefined}
              />
              {error && (
                <p class="field-error" id={errorId}>
                  {error.join(' ')}
                </p>
              )}
            </div>
          );
        })}
      </div>
      <datalist id="window-tz-list">
        {zones().map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
      <div class="row-actions">
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : editing ? 'Save changes' : 'Book window'}
        </button>
        {editing && (
          <button type="button" class="btn btn-secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
