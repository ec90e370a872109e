import { listOutbox, readOutboxFile } from '../../shared/adapters/email/outbox-folder-email-sender';
import { notFound } from '../../shared/platform/errors';
import { httpFunction } from '../../shared/platform/function-definition';
import { json } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

function escapeHtml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Dev-only: the emails the shop "sent" (local `.eml` files), as JSON or a small page. */
export const devOutboxFunction = httpFunction({
  name: 'dev-outbox',
  route: 'dev/outbox',
  methods: ['GET'],
  localOnly: true,
  handler: async (request) => {
    const { emailOutboxDir } = await services();
    const items = emailOutboxDir ? await listOutbox(emailOutboxDir) : [];
    if ((request.headers.get('accept') ?? '').includes('text/html')) {
      const rows = items
        .map(
          (m) =>
            `<tr><td>${escapeHtml(m.date)}</td><td>${escapeHtml(m.to)}</td><td><a href="/api/dev/outbox/${encodeURIComponent(m.name)}">${escapeHtml(m.subject)}</a></td></tr>`,
        )
        .join('');
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
        body: `<!doctype html><html lang="en"><meta charset="utf-8"><title>Sent emails (local)</title><h1>Sent emails (local outbox)</h1><table><thead><tr><th>Date</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows || '<tr><td colspan="3">Nothing sent yet.</td></tr>'}</tbody></table></html>`,
      };
    }
    return json(200, { items }, { 'cache-control': 'no-store' });
  },
});

export const devOutboxFileFunction = httpFunction({
  name: 'dev-outbox-file',
  route: 'dev/outbox/{name}',
  methods: ['GET'],
  localOnly: true,
  handler: async (request) => {
    const { emailOutboxDir } = await services();
    const name = request.params.name ?? '';
    const text = emailOutboxDir ? await readOutboxFile(emailOutboxDir, name) : undefined;
    if (text === undefined) throw notFound('Email', name);
    return {
      status: 200,
      headers: { 'content-type': 'message/rfc822', 'cache-control': 'no-store' },
      body: text,
    };
  },
});
