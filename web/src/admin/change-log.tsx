import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from '../components';
import { type ChangeRow, readChanges } from './api';

const actionLabels: Record<ChangeRow['action'], string> = {
  product_created: 'Created',
  product_updated: 'Edited',
  product_deleted: 'Deleted',
  stock_set: 'Stock set',
};

/** The product's recent changes from the audit trail (`GET /admin/changes`): who, when, what. */
export function ChangeLog({ productId, tick }: { productId: string; tick: number }) {
  const [rows, setRows] = useState<ChangeRow[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);

  useEffect(() => {
    let current = true;
    setLoadError(null);
    readChanges(productId)
      .then((answer) => current && setRows(answer.items))
      .catch((e: unknown) => current && setLoadError(e));
    return () => {
      current = false;
    };
  }, [productId, tick]);

  if (loadError) return <p class="notice notice-error">{errorMessage(loadError)}</p>;
  if (!rows) return <p>Loading changes…</p>;
  if (rows.length === 0) return <p data-testid="changes">No changes recorded yet.</p>;
  return (
    <table class="data-table admin-changes" data-testid="changes">
      <caption>The {rows.length} most recent changes, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Change</th>
          <th scope="col">What</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} data-action={row.action}>
            <td>
              <time dateTime={row.changedAt}>{new Date(row.changedAt).toLocaleString()}</time>
            </td>
            <td>{row.changedBy.name}</td>
            <td>{actionLabels[row.action]}</td>
            <td>{row.sku && row.action === 'stock_set' ? `${row.sku}: ${row.summary}` : row.summary}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
