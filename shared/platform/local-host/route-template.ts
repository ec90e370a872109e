/**
 * Azure Functions route templates: literal segments, `{name}`, `{name?}`, `{name:int}`,
 * and a trailing catch-all `{*name}`. Matching is case-insensitive on literals, like Azure.
 */
export interface CompiledRoute {
  template: string;
  match(path: string): Record<string, string> | undefined;
}

export function compileRoute(template: string): CompiledRoute {
  const names: string[] = [];
  const pattern = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
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
    match(path) {
      const found = regex.exec(path.replace(/^\/+/, ''));
      if (!found) return undefined;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        const value = found[i + 1];
        if (value !== undefined) params[name] = decodeURIComponent(value);
      });
      return params;
    },
  };
}
