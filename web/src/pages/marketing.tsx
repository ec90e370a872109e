import '../marketing/marketing.css';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, errorMessage, Spinner, useTitle } from '../components';
import type { PageProps } from '../main';
import {
  type CapacityPlanView,
  capacityPlan,
  createWindow,
  deleteWindow,
  listWindows,
  type SalesWindowInput,
  type SalesWindowsListing,
  type SalesWindowView,
  updateWindow,
} from '../marketing/api';
import { formatInstant, PlanChart } from '../marketing/plan-chart';
import { WindowForm } from '../marketing/window-form';
import { needsStaffAccess, StaffAccess } from '../staff-access';
import { announce, session, useStore } from '../store';

const DAY = 86_400_000;

const statusLabel: Record<SalesWindowView['status'], string> = {
  upcoming: 'Upcoming',
  'on-now': 'On now',
  past: 'Past',
};

/** From now to a few days after the last window that is still to come (at least 30 days). */
function planRange(listing: SalesWindowsListing): { from: Date; to: Date } {
  const now = Date.now();
  const lastEnd = Math.max(
    now + 30 * DAY,
    ...listing.windows.filter((w) => w.status !== 'past').map((w) => Date.parse(w.endsAt) + 3 * DAY),
  );
  return { from: new Date(now - DAY), to: new Date(Math.min(lastEnd, now + 390 * DAY)) };
}

function WindowsTable({
  caption,
  windows,
  onEdit,
  onDelete,
}: {
  caption: string;
  windows: SalesWindowView[];
  onEdit?: (window: SalesWindowView) => void;
  onDelete: (window: SalesWindowView) => void;
}) {
  return (
    <table class="data-table windows-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Start</th>
          <th scope="col">End</th>
          <th scope="col">Time zone</th>
          <th scope="col">Expected peak</th>
          <th scope="col">Capacity</th>
          <th scope="col">Status</th>
          <th scope="col">Last change</th>
          <th scope="col">
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {windows.map((w) => (
          <tr key={w.id} data-window={w.name} class={`status-${w.status}`}>
            <th scope="row">{w.name}</th>
            <td>{w.start.replace('T', ' ')}</td>
            <td>{w.end.replace('T', ' ')}</td>
            <td>{w.timeZone}</td>
            <td>{w.expectedPeakRps} req/s</td>
            <td>
              {w.capacity
                ? `${w.capacity.alwaysReadyInstances} always-ready, ${w.capacity.cosmosMaxThroughput} RU/s, ${w.capacity.sqlVCores} vCores`
                : 'outside the policy'}
            </td>
            <td>{statusLabel[w.status]}</td>
            <td>
              {w.changedBy}, {formatInstant(w.changedAt)}
            </td>
            <td>
              <div class="row-actions">
                {onEdit && w.status !== 'past' && (
                  <button type="button" class="btn btn-small btn-secondary" onClick={() => onEdit(w)}>
                    Edit<span class="sr-only"> {w.name}</span>
                  </button>
                )}
                <button type="button" class="btn btn-small btn-secondary" onClick={() => onDelete(w)}>
                  Delete<span class="sr-only"> {w.name}</span>
                </button>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function Marketing({ location }: PageProps) {
  const user = useStore(session);
  const [listing, setListing] = useState<SalesWindowsListing | null>(null);
  const [plan, setPlan] = useState<CapacityPlanView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<SalesWindowView | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  // A new key after each booking gives an empty form for the next one.
  const [formKey, setFormKey] = useState(0);
  useTitle('Sales calendar');

  const load = async () => {
    const next = await listWindows();
    setListing(next);
    const range = planRange(next);
    setPlan(await capacityPlan(range.from, range.to));
  };

  useEffect(() => {
    if (!user) return;
    setError(null);
    load().catch(setError);
  }, [user?.sub, attempt]);

  if (!user || needsStaffAccess(user.name, error)) {
    return (
      <StaffAccess
        title="Sales calendar"
        userName={user?.name}
        next={location.href}
        signInMessage="Sign in with a marketing account to plan sales."
        refusal={(name) =>
          `This page is for marketing. Your account (${name}) does not have the marketing role, so nothing here is shown or changed.`
        }
      />
    );
  }

  const save = async (input: SalesWindowInput) => {
    const saved = editing ? await updateWindow(editing.id, input) : await createWindow(input);
    announce(
      `${editing ? 'Saved' : 'Booked'} '${saved.name}'. The scale-scheduler plans it at its next tick.`,
    );
    setEditing(undefined);
    setFormKey((k) => k + 1);
    await load();
  };

  const remove = async (w: SalesWindowView) => {
    if (!window.confirm(`Delete '${w.name}'? The scheduler stops planning for it at its next tick.`)) return;
    try {
      await deleteWindow(w.id);
      announce(`Deleted '${w.name}'.`);
      if (editing?.id === w.id) setEditing(undefined);
      await load();
    } catch (e) {
      setError(e);
    }
  };

  const current = listing?.windows.filter((w) => w.status !== 'past') ?? [];
  const past = listing?.windows.filter((w) => w.status === 'past') ?? [];

  return (
    <section class="page marketing">
      <div class="page-head">
        <h1 tabIndex={-1}>Sales calendar</h1>
      </div>
      <p class="muted">
        Book sale windows here: the scale-scheduler reads them every 5 minutes and raises Functions, Cosmos DB
        and SQL capacity ahead of each one (no deploy needed). The sizing policy stays in
        bicep/sales-calendar.json.
      </p>
      {error !== null && (
        <ErrorBox error={new Error(errorMessage(error))} onRetry={() => setAttempt((a) => a + 1)} />
      )}
      <WindowForm
        key={editing?.id ?? `new-${formKey}`}
        editing={editing}
        onSave={save}
        onCancel={() => setEditing(undefined)}
        autoFocus={editing !== undefined || formKey > 0}
      />
      {!listing ? (
        <Spinner />
      ) : (
        <>
          <section class="panel" aria-labelledby="plan-title">
            <h2 id="plan-title">Capacity plan</h2>
            {plan ? <PlanChart plan={plan} /> : <Spinner label="Loading the plan…" />}
          </section>
          <section class="panel" aria-labelledby="windows-title">
            <h2 id="windows-title">Windows</h2>
            {current.length === 0 ? (
              <p>No upcoming sale windows: the baseline applies.</p>
            ) : (
              <WindowsTable
                caption="Upcoming and running"
                windows={current}
                onEdit={setEditing}
                onDelete={remove}
              />
            )}
            {past.length > 0 && (
              <WindowsTable caption="Past windows (history)" windows={past} onDelete={remove} />
            )}
          </section>
          <section class="panel" aria-labelledby="changes-title">
            <h2 id="changes-title">Changes</h2>
            <table class="data-table changes-table">
              <caption>Who changed what, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Window</th>
                </tr>
              </thead>
              <tbody>
                {listing.changes.map((c) => (
                  <tr key={c.seq}>
                    <td>{formatInstant(c.changedAt)}</td>
                    <td>{c.changedBy}</td>
                    <td>{c.action}</td>
                    <th scope="row">
                      {c.name} ({c.start.replace('T', ' ')} to {c.end.replace('T', ' ')} {c.timeZone},{' '}
                      {c.expectedPeakRps} req/s)
                    </th>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </section>
  );
}
