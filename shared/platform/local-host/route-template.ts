/**
 * Azure Functions route templates: literal segments, `{name}`, `{name?}`, `{name:int}`,
 * and a trailing catch-all `{*name}`. Matching is case-insensitive on literals, like Azure.
 */
export interface CompiledRoute {
  template: string;
  /** The first segment in lower case when it is a literal (routes are indexed by it); else undefined. */
  firstLiteral: string | undefined;
  match(path: string): Record<string, string> | undefined;
}

/** A path's first segment in lower case, leading slashes skipped, as routes are indexed by it. */
export function firstSegment(path: string): string {
  let start = 0;
  while (path.charCodeAt(start) === 47 /* / */) start++;
  const end = path.indexOf('/', start);
  return path.slice(start, end < 0 ? undefined : end).toLowerCase();
}

export function compileRoute(template: string): CompiledRoute {
  const names: string[] = [];
  const segments = template.replace(/^\/+|\/+$/g, '').split('/');
  const first = segments[0] ?? '';
  // Only a plain ASCII literal: case-insensitive regex matching and toLowerCase agree on it.
  const firstLiteral = /^[A-Za-z0-9_.~-]+$/.test(first) ? first.toLowerCase() : undefined;
  const pattern = segments
    .map((segment, index) => {
      const prefix = index === 0 ? '' : '/';
      const param = /^\{(\*)?([A-Za-z_][\w]*)(?::(\w+))?(\?)?\}$/.exec(segment);
      if (!param) return prefix + segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const [, catchAll, name, constraint, optional] = param;
      names.push(name!);
      if (catchAll) return `(?:${prefix}(.*))?`;
      const body = constraint === 'int' ? '(-?\\d+)' : '([^/]+)';
      return optional ? `(?:${prefix}${body})?` : prefix + body;
    })
    .join('');
  const regex = new RegExp(`^${pattern}/?$`, 'i');
  return {
    template,
    firstLiteral,
    match(path) {
      const found = regex.exec(path.charCodeAt(0) === 47 ? path.replace(/^\/+/, '') : path);
      if (!found) return undefined;
      const params: Record<string, string> = {};
      for (let i = 0; i < names.length; i++) {
        const value = found[i + 1];
        if (value !== undefined) params[names[i]!] = value.includes('%') ? decodeURIComponent(value) : value;
      }
      return params;
    },
  };
}
