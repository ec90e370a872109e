import fs from 'node:fs';

/**
 * Like Core Tools: `Values` from local.settings.json, under the real environment (the
 * environment wins). Missing file: the defaults in config.ts apply.
 */
export function environmentWithLocalSettings(
  file = 'local.settings.json',
  env = process.env,
): Record<string, string | undefined> {
  if (!fs.existsSync(file)) return { ...env };
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { Values?: Record<string, string> };
  return { ...(parsed.Values ?? {}), ...env };
}
