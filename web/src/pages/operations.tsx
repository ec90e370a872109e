import '../operations/operations.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { ErrorBox, errorMessage, Spinner, useTitle } from '../components';
import type { PageProps } from '../main';
import {
  type DeadLetterView,
  listDeadLetters,
  type OperationsOverview,
  overview,
  purgeAll,
  purgeOne,
  replayAll,
  replayOne,
} from '../operations/api';
import { ConfirmDialog, type ConfirmRequest } from '../operations/confirm-dialog';
import { needsStaffAccess, StaffAccess } from '../staff-access';
import { announce, session, useStore } from '../store';

const refreshEveryMs = 10_000;

/** `12 s ago`, `5 min ago`, `3 h ago`; the exact time is in the title. */
function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

function When({ iso, now }: { iso: string | null; now: number }) {
  return iso ? (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {ago(iso, now)}
    </time>
  ) : (
    <span>never</span>
  );
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function preview(body: unknown): string {
  const text = JSON.stringify(body, null, 2) ?? String(body);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

function Health({ data }: { data: OperationsOverview }) {
  const { health } = data;
  return (
    <section aria-labelledby="health-heading">
      <h2 id="health-heading">
        Health <span class={`status status-${health.status}`}>{health.status}</span>
      </h2>
      <table class="data-table" data-testid="health">
        <caption>Every dependency, checked now</caption>
        <thead>
          <tr>
            <th scope="col">Dependency</th>
            <th scope="col">Status</th>
            <th scope="col">Critical</th>
            <th scope="col">Latency</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(health.dependencies).map(([name, check]) => (
            <tr key={name} data-dependency={name}>
              <th scope="row">{name}</th>
              <td>
                <span class={`status status-${check.status}`}>{check.status}</span>
              </td>
              <td>{check.critical ? 'yes' : 'no'}</td>
              <td>{check.latencyMs} ms</td>
              <td>{check.detail ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Lag({ data, now }: { data: OperationsOverview; now: number }) {
  return (
    <section aria-labelledby="lag-heading">
      <h2 id="lag-heading">Outbox and consumers</h2>
      <dl class="figures" data-testid="outbox">
        <div>
          <dt>Unpublished events</dt>
          <dd>{data.outbox.unpublished}</dd>
        </div>
        <div>
          <dt>Outbox lag</dt>
          <dd>{duration(data.outbox.lagSeconds)}</dd>
        </div>
        <div>
          <dt>Oldest unpublished</dt>
          <dd>
            <When iso={data.outbox.oldestUnpublishedAt} now={now} />
          </dd>
        </div>
      </dl>
      <table class="data-table" data-testid="consumers">
        <caption>Consumer lag (events of the last 24 h not yet handled)</caption>
        <thead>
          <tr>
            <th scope="col">Consumer</th>
            <th scope="col">Waiting</th>
            <th scope="col">Oldest waiting</th>
            <th scope="col">Last handled</th>
            <th scope="col">Dead letters</th>
          </tr>
        </thead>
        <tbody>
          {data.consumers.map((c) => (
            <tr key={c.consumer} data-consumer={c.consumer}>
              <th scope="row">{c.consumer}</th>
              <td>{c.waiting}</td>
              <td>
                <When iso={c.oldestWaitingAt} now={now} />
              </td>
              <td>
                <When iso={c.lastHandledAt} now={now} />
              </td>
              <td>{c.deadLetters ?? 'unknown'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.deadLettersError && (
        <p class="notice notice-warning">Dead-letter queues could not be read: {data.deadLettersError}</p>
      )}
    </section>
  );
}

function Heartbeats({ data, now }: { data: OperationsOverview; now: number }) {
  return (
    <section aria-labelledby="heartbeats-heading">
      <h2 id="heartbeats-heading">Heartbeats</h2>
      <table class="data-table" data-testid="heartbeats">
        <caption>Last successful run of each timer</caption>
        <thead>
          <tr>
            <th scope="col">Component</th>
            <th scope="col">Last run</th>
            <th scope="col">Runs every</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {data.heartbeats.map((h) => (
            <tr key={h.component} data-component={h.component} class={h.late ? 'late' : undefined}>
              <th scope="row">{h.component}</th>
              <td>
                <When iso={h.lastBeatAt} now={now} />
                {h.detail ? <span class="muted"> ({h.detail})</span> : null}
              </td>
              <td>{h.everySeconds === null ? 'no longer scheduled' : duration(h.everySeconds)}</td>
              <td>
                <span class={`status status-${h.late ? 'late' : 'ok'}`}>{h.late ? 'Late' : 'On time'}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function DeadLetters({
  items,
  now,
  onConfirm,
  onReplay,
  busy,
}: {
  items: DeadLetterView[];
  now: number;
  onConfirm: (request: ConfirmRequest) => void;
  onReplay: (run: () => Promise<void>) => void;
  busy: boolean;
}) {
  const groups = new Map<string, DeadLetterView[]>();
  for (const item of items) {
    const key = item.subscription;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return (
    <section aria-labelledby="dead-letters-heading">
      <h2 id="dead-letters-heading" tabIndex={-1}>
        Dead letters ({items.length})
      </h2>
      {items.length === 0 && (
        <p data-testid="no-dead-letters">No dead letters. Every consumer is keeping up.</p>
      )}
      {[...groups].map(([subscription, letters]) => (
        <section key={subscription} data-subscription={subscription} aria-labelledby={`dl-${subscription}`}>
          <div class="subscription-head">
            <h3 id={`dl-${subscription}`}>
              {subscription} ({letters.length})
            </h3>
            <button
              type="button"
              class="btn btn-secondary btn-small"
              disabled={busy}
              onClick={() =>
                onReplay(async () => {
                  const result = await replayAll(subscription);
                  announce(
                    `Replayed ${result.replayed} dead letters of ${subscription}${result.failed ? `; ${result.failed} failed: ${result.errors.join('; ')}` : ''}.`,
                  );
                })
              }
            >
              Replay all {letters.length}
            </button>
            <button
              type="button"
              class="btn btn-danger btn-small"
              disabled={busy}
              onClick={() =>
                onConfirm({
                  title: `Purge all of ${subscription}?`,
                  message: `This deletes the ${letters.length} dead letters of ${subscription} you see here. They are never delivered. If the count has changed meanwhile, nothing is purged.`,
                  confirmLabel: `Purge ${letters.length}`,
                  run: async () => {
                    const result = await purgeAll(subscription, letters.length);
                    announce(
                      `Purged ${result.purged} dead letters of ${subscription}${result.failed ? `; ${result.failed} failed` : ''}.`,
                    );
                  },
                })
              }
            >
              Purge all {letters.length}
            </button>
          </div>
          <table class="data-table">
            <caption class="sr-only">Dead letters of {subscription}</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Reason</th>
                <th scope="col">Deliveries</th>
                <th scope="col">Dead-lettered</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {letters.map((d) => (
                <tr key={d.id} data-dead-letter={d.messageId}>
                  <th scope="row">
                    {d.subject} <code>{d.messageId}</code>
                    <details>
                      <summary>Message body</summary>
                      <pre class="body-preview">{preview(d.body)}</pre>
                    </details>
                  </th>
                  <td>{d.reason || 'no reason given'}</td>
                  <td>{d.deliveryCount}</td>
                  <td>
                    <When iso={d.enqueuedAt} now={now} />
                  </td>
                  <td>
                    <div class="row-actions">
                      <button
                        type="button"
                        class="btn btn-secondary btn-small"
                        disabled={busy}
                        aria-label={`Replay ${d.subject} ${d.messageId} to ${subscription}`}
                        onClick={() =>
                          onReplay(async () => {
                            await replayOne(d.id);
                            announce(`Replayed ${d.subject} ${d.messageId} to ${subscription}.`);
                          })
                        }
                      >
                        Replay
                      </button>
                      <button
                        type="button"
                        class="btn btn-danger btn-small"
                        disabled={busy}
                        aria-label={`Purge ${d.subject} ${d.messageId} from ${subscription}`}
                        onClick={() =>
                          onConfirm({
                            title: 'Purge this dead letter?',
                            message: `${d.subject} ${d.messageId} is deleted from ${subscription} and never delivered.`,
                            confirmLabel: 'Purge',
                            run: async () => {
                              await purgeOne(d.id);
                              announce(`Purged ${d.subject} ${d.messageId} from ${subscription}.`);
                            },
                          })
                        }
                      >
                        Purge
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </section>
  );
}

export default function Operations({ location }: PageProps) {
  const user = useStore(session);
  const [data, setData] = useState<OperationsOverview | null>(null);
  const [deadLetters, setDeadLetters] = useState<DeadLetterView[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [autoRefresh, setAutoRefresh] = useState(true);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [busy, setBusy] = useState(false);
  const [loading, setLoading] = useState(false);
  const inFlight = useRef(false);
  useTitle('Operations');

  const load = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setLoading(true);
    try {
      const [next, letters] = await Promise.all([overview(), listDeadLetters()]);
      setData(next);
      setDeadLetters(letters);
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      inFlight.current = false;
      setLoading(false);
    }
  };

  useEffect(() => {
    if (!user) return;
    void load();
  }, [user?.sub]);

  useEffect(() => {
    if (!user || !autoRefresh) return;
    const timer = setInterval(() => void load(), refreshEveryMs);
    return () => clearInterval(timer);
  }, [user?.sub, autoRefresh]);

  if (!user || needsStaffAccess(user.name, error)) {
    return (
      <StaffAccess
        title="Operations"
        userName={user?.name}
        next={location.href}
        signInMessage="Sign in with an operations account to see the shop's health."
        refusal={(name) =>
          `This page is for operations. Your account (${name}) does not have the operations or admin role, so nothing here is shown or changed.`
        }
      />
    );
  }

  /** Runs an action, shows its error if any, then reloads what the page shows. */
  const act = async (run: () => Promise<void>) => {
    setBusy(true);
    setActionError(null);
    try {
      await run();
    } catch (e) {
      const message =
        e instanceof ApiError && e.code === 'dead_letters_changed'
          ? `${e.detail} Nothing was purged; the list is refreshed.`
          : errorMessage(e);
      setActionError(message);
      announce(message);
    } finally {
      setBusy(false);
      await load();
    }
  };

  const now = data ? Date.parse(data.checkedAt) : Date.now();
  return (
    <section class="page operations">
      <h1 tabIndex={-1}>Operations</h1>
      <div class="toolbar">
        <button type="button" class="btn btn-primary" onClick={() => void load()} disabled={loading}>
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
        <label>
          <input
            type="checkbox"
            checked={autoRefresh}
            onChange={(e) => setAutoRefresh(e.currentTarget.checked)}
          />{' '}
          Refresh every 10 s
        </label>
        {data && (
          <span class="muted" data-testid="checked-at">
            Checked at <time dateTime={data.checkedAt}>{new Date(data.checkedAt).toLocaleTimeString()}</time>
          </span>
        )}
      </div>
      {actionError && (
        <div class="notice notice-error" role="alert" data-testid="action-error">
          <p>{actionError}</p>
        </div>
      )}
      {error ? <ErrorBox error={error} onRetry={() => void load()} /> : null}
      {!data ? (
        !error && <Spinner />
      ) : (
        <>
          <Health data={data} />
          <Lag data={data} now={now} />
          <Heartbeats data={data} now={now} />
          <DeadLetters
            items={deadLetters}
            now={now}
            busy={busy}
            onReplay={(run) => void act(run)}
            onConfirm={setConfirm}
          />
        </>
      )}
      {confirm && (
        <ConfirmDialog
          request={confirm}
          busy={busy}
          onCancel={() => setConfirm(null)}
          onConfirm={() =>
            void act(confirm.run).then(() => {
              setConfirm(null);
            })
          }
        />
      )}
    </section>
  );
}
