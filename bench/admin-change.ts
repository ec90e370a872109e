/**
 * Issue 3: admin change → visible. Through a running shop, an admin replaces a product with a
 * name holding a word nobody else uses, then polls the product read and search until both show
 * it; the time is from sending the PUT to the first poll that sees both.
 */
export interface AdminChangeResult {
  changes: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  notVisibleWithin1s: number;
}

export async function measureAdminChangeVisibility(
  baseUrl: string,
  changes = 20,
): Promise<AdminChangeResult> {
  const token = await fetch(`${baseUrl}/api/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: 'bench-admin', roles: ['admin'] }),
  });
  const { access_token: admin } = (await token.json()) as { access_token: string };
  const timings: number[] = [];
  let late = 0;
  for (let i = 0; i < changes; i++) {
    const id = `p-bench-${i % 4}`;
    const word = `zephyrine${String.fromCharCode(97 + (i % 26))}${i}`;
    const started = performance.now();
    const put = await fetch(`${baseUrl}/api/admin/products/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sku: `SKU-BENCH-${i % 4}`,
        category: 'home',
        name: `${word} Reading Lamp`,
        brand: 'Lumen',
        description: 'A lamp the benchmark keeps renaming.',
        priceMinor: 4999 + i,
        currency: 'USD',
        attributes: { material: 'brass' },
      }),
    });
    if (put.status !== 200 && put.status !== 201) throw new Error(`admin PUT answered ${put.status}`);
    for (;;) {
      const [read, search] = await Promise.all([
        fetch(`${baseUrl}/api/products/${id}`).then((r) => r.json() as Promise<{ name?: string }>),
        fetch(`${baseUrl}/api/search?q=${word}`).then(
          (r) => r.json() as Promise<{ items: { id: string }[] }>,
        ),
      ]);
      if (read.name?.startsWith(word) && search.items.some((item) => item.id === id)) break;
      if (performance.now() - started > 5_000) throw new Error(`change ${i} not visible after 5 s`);
    }
    const elapsed = performance.now() - started;
    if (elapsed > 1_000) late++;
    timings.push(elapsed);
  }
  timings.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    changes,
    p50Ms: round(timings[Math.floor(changes * 0.5)]!),
    p95Ms: round(timings[Math.floor(changes * 0.95)]!),
    maxMs: round(timings.at(-1)!),
    notVisibleWithin1s: late,
  };
}
