import type { Capacity, CapacityPlanView } from './api';

/**
 * The capacity plan over time as inline SVG step charts, one per resource, with what is deployed
 * now as a dashed line. Screen readers get the same figures as a table (the charts are images
 * with a text alternative; the table below them is the data).
 */

interface Series {
  key: keyof Capacity;
  label: string;
  unit: string;
}

const series: Series[] = [
  { key: 'alwaysReadyInstances', label: 'Always-ready instances', unit: 'instances' },
  { key: 'maximumInstanceCount', label: 'Maximum instances', unit: 'instances' },
  { key: 'cosmosMaxThroughput', label: 'Cosmos DB max RU/s', unit: 'RU/s' },
  { key: 'sqlVCores', label: 'SQL vCores', unit: 'vCores' },
];

const W = 640;
const H = 150;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

export function formatInstant(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

function shortDate(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

function StepChart({ plan, s, id }: { plan: CapacityPlanView; s: Series; id: string }) {
  const from = Date.parse(plan.from);
  const to = Date.parse(plan.to);
  const deployed = plan.deployed.capacity?.[s.key];
  const values = plan.steps.map((step) => step.capacity[s.key]);
  const max = Math.max(1, ...values, deployed ?? 0, plan.baseline[s.key]) * 1.1;
  const x = (ms: number) => PAD.left + ((ms - from) / (to - from)) * (W - PAD.left - PAD.right);
  const y = (value: number) => PAD.top + (1 - value / max) * (H - PAD.top - PAD.bottom);
  let d = '';
  plan.steps.forEach((step, i) => {
    const start = Math.max(from, Date.parse(step.at));
    const end = i + 1 < plan.steps.length ? Date.parse(plan.steps[i + 1]!.at) : to;
    const value = step.capacity[s.key];
    d += `${i === 0 ? 'M' : 'L'}${x(start).toFixed(1)},${y(value).toFixed(1)} L${x(end).toFixed(1)},${y(value).toFixed(1)} `;
  });
  const peak = Math.max(...values);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => from + f * (to - from));
  const summary =
    `${s.label}: planned from ${Math.min(...values)} to ${peak} ${s.unit} between ${shortDate(from)} and ${shortDate(to)}` +
    (deployed === undefined ? '.' : `; deployed now ${deployed} ${s.unit}.`);
  return (
    <figure class="plan-chart">
      <figcaption id={`${id}-title`}>{s.label}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        data-series={s.key}
        preserveAspectRatio="none"
      >
        <title>{s.label}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        <line class="axis" x1={PAD.left} y1={y(0)} x2={W - PAD.right} y2={y(0)} />
        <text class="tick" x={PAD.left - 6} y={y(peak) + 4} text-anchor="end">
          {peak}
        </text>
        <text class="tick" x={PAD.left - 6} y={y(0) + 4} text-anchor="end">
          0
        </text>
        {ticks.map((tick) => (
          <text key={tick} class="tick" x={x(tick)} y={H - 8} text-anchor="middle">
            {shortDate(tick)}
          </text>
        ))}
        {plan.windows.map((window) => (
          <rect
            key={window.id}
            class="window-band"
            x={x(Math.max(from, Date.parse(window.startsAt)))}
            y={PAD.top}
            width={Math.max(
              1,
              x(Math.min(to, Date.parse(window.endsAt))) - x(Math.max(from, Date.parse(window.startsAt))),
            )}
            height={H - PAD.top - PAD.bottom}
          >
            <title>{window.name}</title>
          </rect>
        ))}
        <path class="planned" d={d} data-testid={`planned-${s.key}`} />
        {deployed !== undefined && (
          <line
            class="deployed"
            x1={PAD.left}
            x2={W - PAD.right}
            y1={y(deployed)}
            y2={y(deployed)}
            data-testid={`deployed-${s.key}`}
          />
        )}
      </svg>
    </figure>
  );
}

export function PlanChart({ plan }: { plan: CapacityPlanView }) {
  const deployed = plan.deployed.capacity;
  return (
    <div class="plan">
      <p class="plan-legend">
        <span class="key key-planned" aria-hidden="true" /> planned{' '}
        <span class="key key-deployed" aria-hidden="true" /> deployed now ({plan.deployed.source})
        <span class="key key-window" aria-hidden="true" /> sale window
      </p>
      {plan.deployed.error && (
        <p class="notice notice-warning">Deployed capacity unknown: {plan.deployed.error}</p>
      )}
      <div class="plan-charts">
        {series.map((s) => (
          <StepChart key={s.key} plan={plan} s={s} id={`chart-${s.key}`} />
        ))}
      </div>
      <table class="data-table plan-table">
        <caption>Planned capacity, step by step</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">Because of</th>
            {series.map((s) => (
              <th scope="col" key={s.key}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {deployed && (
            <tr class="deployed-row">
              <th scope="row">Deployed now</th>
              <td>{plan.deployed.source}</td>
              {series.map((s) => (
                <td key={s.key}>{deployed[s.key]}</td>
              ))}
            </tr>
          )}
          {plan.steps.map((step) => (
            <tr key={step.at}>
              <th scope="row">{formatInstant(step.at)}</th>
              <td>{step.active.map((a) => `${a.name} (${a.phase})`).join(', ') || 'baseline'}</td>
              {series.map((s) => (
                <td key={s.key}>{step.capacity[s.key]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
