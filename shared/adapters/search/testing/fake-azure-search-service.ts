import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SearchClientOptions } from '@azure/search-documents';
import { selfSignedCertificate } from '../../../../test/support/self-signed-certificate';
import { parseSynonymRules } from '../../../search/synonyms';
import { isWithinOneEdit, tokenize } from '../../../search/text-tokens';

/**
 * A loopback stand-in for the Azure AI Search REST API, for tests only (the real service
 * cannot run here). It records every request the real SDK sends and answers plausibly:
 * it stores the index definition and documents, and evaluates the subset of OData
 * `$filter` the adapter emits with a strict parser, so a badly escaped value is a 400
 * here as it would be there. Text is analyzed as the stored definition says, not as the
 * adapter's code does: each field's custom analyzer runs its pattern-replace and shingle
 * token filters from the definition, and query words are expanded with the synonym map the
 * field names (Solr rules as uploaded; fuzzy `~1` words are neither analyzed nor expanded,
 * as on Azure). The standard_v2 tokenizer + lowercase + asciifolding are stood in for by the
 * shared `tokenize`. Scoring is crude (best field weight per word), so ranking is not Azure's.
 * Served over HTTPS with a certificate made at start-up, because the SDK refuses bearer
 * tokens over plain HTTP.
 */

export interface CapturedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

type Document = Record<string, unknown>;

interface IndexDefinition {
  name: string;
  fields: {
    name: string;
    type: string;
    searchable?: boolean;
    analyzer?: string;
    indexAnalyzer?: string;
    searchAnalyzer?: string;
    synonymMaps?: string[];
  }[];
  analyzers?: { name: string; tokenizer?: string; tokenFilters?: string[] }[];
  tokenFilters?: ({ name: string; '@odata.type': string } & Record<string, unknown>)[];
  scoringProfiles?: {
    name: string;
    text?: { weights: Record<string, number> };
    textWeights?: { weights: Record<string, number> };
  }[];
}

interface SynonymMapDefinition {
  name: string;
  format: string;
  synonyms: string;
}

export interface FakeAzureSearchService {
  endpoint: string;
  /** PEM of the self-signed certificate, for an https.Agent `ca`. */
  certificate: string;
  requests: CapturedRequest[];
  indexes: Map<string, { definition: IndexDefinition; documents: Map<string, Document> }>;
  synonymMaps: Map<string, SynonymMapDefinition>;
  close(): Promise<void>;
}

export async function startFakeAzureSearchService(): Promise<FakeAzureSearchService> {
  const { key, certificate } = selfSignedCertificate();
  const requests: CapturedRequest[] = [];
  const indexes: FakeAzureSearchService['indexes'] = new Map();
  const synonymMaps: FakeAzureSearchService['synonymMaps'] = new Map();
  /** Analyzed documents per index, rebuilt after any change to the index or a synonym map. */
  const analyzed = new Map<string, AnalyzedIndex>();

  const server = https.createServer({ key, cert: certificate }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      });
      const reply = (status: number, payload: unknown, contentType = 'application/json; charset=utf-8') => {
        const data = typeof payload === 'string' ? payload : JSON.stringify(payload);
        res.writeHead(status, { 'content-type': contentType, 'request-id': `fake-${requests.length}` });
        res.end(data);
      };
      try {
        const synonymRoute = decodeURIComponent(url.pathname).match(
          /^\/synonymmaps(?:\('([^']+)'\)|\/([^/]+))$/,
        );
        if (synonymRoute && req.method === 'PUT') {
          const definition = body as SynonymMapDefinition;
          if (definition.format !== 'solr') throw new BadRequest('synonym maps must be format solr');
          const name = (synonymRoute[1] ?? synonymRoute[2])!;
          const existed = synonymMaps.has(name);
          synonymMaps.set(name, definition);
          analyzed.clear();
          return reply(existed ? 200 : 201, definition);
        }
        const route = decodeURIComponent(url.pathname).match(
          /^\/indexes(?:\('([^']+)'\)|\/([^/]+))(?:\/docs(?:\/(.+))?)?$/,
        );
        if (!route) return reply(404, { error: { code: 'NotFound', message: url.pathname } });
        const name = (route[1] ?? route[2])!;
        const action = route[3];
        if (req.method === 'PUT' && !url.pathname.includes('/docs')) {
          const existed = indexes.has(name);
          const definition = body as IndexDefinition;
          for (const field of definition.fields) {
            for (const map of field.synonymMaps ?? []) {
              if (!synonymMaps.has(map)) throw new BadRequest(`Synonym map ${map} does not exist`);
            }
          }
          analyzed.delete(name);
          if (existed) indexes.get(name)!.definition = definition;
          else indexes.set(name, { definition, documents: new Map() });
          return reply(existed ? 200 : 201, definition);
        }
        const index = indexes.get(name);
        if (!index) return reply(404, { error: { code: 'IndexNotFound', message: `No index ${name}` } });
        if (req.method === 'POST' && action === 'search.index') {
          const actions = (body as { value: Document[] }).value;
          analyzed.delete(name);
          const value = actions.map((entry) => {
            const { '@search.action': verb, ...document } = entry;
            const id = String(document.id);
            const existed = index.documents.has(id);
            if (verb === 'delete') index.documents.delete(id);
            else if (verb === 'upload' || verb === 'mergeOrUpload') index.documents.set(id, document);
            else throw new BadRequest(`Unsupported action ${String(verb)}`);
            return {
              key: id,
              status: true,
              errorMessage: null,
              statusCode: existed || verb === 'delete' ? 200 : 201,
            };
          });
          return reply(200, { value });
        }
        if (req.method === 'GET' && action === '$count') {
          return reply(200, String(index.documents.size), 'text/plain');
        }
        if (req.method === 'POST' && action === 'search.post.search') {
          let prepared = analyzed.get(name);
          if (!prepared) {
            prepared = analyzeIndex(index.definition, [...index.documents.values()], synonymMaps);
            analyzed.set(name, prepared);
          }
          return reply(200, runSearch(prepared, body as SearchBody));
        }
        return reply(404, { error: { code: 'NotFound', message: `${req.method} ${url.pathname}` } });
      } catch (error) {
        const status = error instanceof BadRequest ? 400 : 500;
        return reply(status, {
          error: { code: status === 400 ? 'InvalidRequestParameter' : 'Internal', message: String(error) },
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    certificate,
    requests,
    indexes,
    synonymMaps,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * SDK client options that trust the fake's certificate for these clients only (never TLS
 * checks process-wide), for `AzureSearchIndex`'s `clientOptions`.
 */
export function trustFakeCertificate(certificate: string): Pick<SearchClientOptions, 'additionalPolicies'> {
  const agent = new https.Agent({ ca: certificate, keepAlive: true });
  return {
    additionalPolicies: [
      {
        position: 'perCall',
        policy: {
          name: 'trust-fake-search-certificate',
          sendRequest: (request, next) => {
            request.agent = agent;
            return next(request);
          },
        },
      },
    ],
  };
}

class BadRequest extends Error {}

interface SearchBody {
  search?: string;
  queryType?: string;
  searchMode?: string;
  filter?: string;
  facets?: string[];
  orderby?: string;
  top?: number;
  skip?: number;
  count?: boolean;
  select?: string;
}

type Analyzer = (text: string) => string[];

interface AnalyzedIndex {
  documents: { document: Document; terms: Map<string, Set<string>> }[];
  /** Searchable fields with their weight, query analyzer and synonym rules. */
  fields: { name: string; weight: number; analyze: Analyzer; synonyms?: Map<string, string[]> }[];
}

/** An analyzer from the definition: the tokenizer stand-in, then each named token filter in order. */
function analyzerFrom(definition: IndexDefinition, name: string | undefined): Analyzer {
  if (name === undefined) return tokenize;
  const analyzer = definition.analyzers?.find((candidate) => candidate.name === name);
  if (!analyzer) throw new BadRequest(`Unknown analyzer ${name}`);
  if (analyzer.tokenizer !== 'standard_v2')
    throw new BadRequest(`Unsupported tokenizer ${analyzer.tokenizer}`);
  const steps = (analyzer.tokenFilters ?? []).map((filterName): ((tokens: string[]) => string[]) => {
    if (filterName === 'lowercase' || filterName === 'asciifolding') return (tokens) => tokens; // done by tokenize
    const filter = definition.tokenFilters?.find((candidate) => candidate.name === filterName);
    if (!filter) throw new BadRequest(`Unknown token filter ${filterName}`);
    if (filter['@odata.type'] === '#Microsoft.Azure.Search.PatternReplaceTokenFilter') {
      const pattern = new RegExp(String(filter.pattern), 'g');
      const replacement = String(filter.replacement);
      return (tokens) => tokens.map((token) => token.replace(pattern, replacement));
    }
    if (filter['@odata.type'] === '#Microsoft.Azure.Search.ShingleTokenFilter') {
      if ((filter.maxShingleSize ?? 2) !== 2) throw new BadRequest('The fake joins pairs only');
      const separator = String(filter.tokenSeparator ?? ' ');
      const unigrams = filter.outputUnigrams !== false;
      return (tokens) => {
        const pairs = tokens.slice(1).map((token, i) => tokens[i] + separator + token);
        return unigrams ? [...tokens, ...pairs] : pairs;
      };
    }
    throw new BadRequest(`The fake does not run ${filter['@odata.type']}`);
  });
  return (text) => steps.reduce((tokens, step) => step(tokens), tokenize(text));
}

function analyzeIndex(
  definition: IndexDefinition,
  documents: Document[],
  synonymMaps: Map<string, SynonymMapDefinition>,
): AnalyzedIndex {
  const profile = definition.scoringProfiles?.[0];
  const weights = profile?.text?.weights ?? profile?.textWeights?.weights ?? {};
  const searchable = definition.fields.filter((field) => field.searchable);
  const indexing = searchable.map((field) => ({
    name: field.name,
    analyze: analyzerFrom(definition, field.indexAnalyzer ?? field.analyzer),
  }));
  const fields = searchable.map((field) => {
    const map = field.synonymMaps?.[0];
    const rules = map ? synonymMaps.get(map) : undefined;
    return {
      name: field.name,
      weight: weights[field.name] ?? 1,
      analyze: analyzerFrom(definition, field.searchAnalyzer ?? field.analyzer),
      ...(rules ? { synonyms: parseSynonymRules(rules.synonyms.split('\n')) } : {}),
    };
  });
  return {
    fields,
    documents: documents.map((document) => {
      const terms = new Map<string, Set<string>>();
      for (const field of indexing) {
        const value = document[field.name];
        // Each value of a collection is analyzed on its own (no joined pairs across values).
        const values = Array.isArray(value) ? value.map(String) : [String(value ?? '')];
        terms.set(field.name, new Set(values.flatMap((text) => field.analyze(text))));
      }
      return { document, terms };
    }),
  };
}

/** A clause of the Lucene text the adapter sends: `word`, `stem~1` or `(a OR b OR c)`. */
function parseClauses(search: string): { term: string; fuzzy: boolean }[][] {
  const clauses: { term: string; fuzzy: boolean }[][] = [];
  const pattern = /\(([^()]*)\)|(\S+)/gu;
  for (const match of search.matchAll(pattern)) {
    const parts = match[1] !== undefined ? match[1].split(/\s+OR\s+/) : [match[2]!];
    clauses.push(
      parts.map((raw) => {
        const term = raw.trim().match(/^([\p{L}\p{N}]+)(~1)?$/u);
        if (!term) throw new BadRequest(`Unexpected Lucene term ${raw}`);
        return { term: term[1]!, fuzzy: term[2] !== undefined };
      }),
    );
  }
  return clauses;
}

function runSearch(index: AnalyzedIndex, body: SearchBody) {
  const predicate = body.filter ? parseFilter(body.filter) : () => true;
  const text = (body.search ?? '*').trim();
  const clauses = text === '*' ? [] : parseClauses(text);
  if (clauses.length > 0 && body.queryType !== 'full')
    throw new BadRequest('The adapter sends queryType full');
  // Per clause and field: the analyzed terms that match it exactly (after synonyms), and fuzzy terms.
  const prepared = clauses.map((alternatives) =>
    index.fields.map((field) => {
      const exact = new Set<string>();
      const fuzzy: string[] = [];
      for (const { term, fuzzy: isFuzzy } of alternatives) {
        if (isFuzzy) fuzzy.push(term);
        else
          for (const word of field.synonyms?.get(term) ?? [term])
            for (const t of field.analyze(word)) exact.add(t);
      }
      return { field, exact, fuzzy };
    }),
  );

  const scored: { document: Document; score: number }[] = [];
  for (const { document, terms } of index.documents) {
    if (!predicate(document, {})) continue;
    let score = 1;
    if (prepared.length > 0) {
      score = 0;
      let all = true;
      let any = false;
      for (const perField of prepared) {
        let best = 0;
        for (const { field, exact, fuzzy } of perField) {
          const words = terms.get(field.name)!;
          if ([...exact].some((term) => words.has(term))) best = Math.max(best, field.weight);
          else if (fuzzy.some((term) => [...words].some((word) => isWithinOneEdit(term, word))))
            best = Math.max(best, field.weight / 2);
        }
        if (best > 0) any = true;
        else all = false;
        score += best;
      }
      if (body.searchMode === 'all' ? !all : !any) continue;
    }
    scored.push({ document, score });
  }

  const orderBy = (body.orderby ?? '').split(',').filter((part) => part.trim() !== '');
  scored.sort((a, b) => {
    for (const part of orderBy) {
      const [field, direction = 'asc'] = part.trim().split(/\s+/) as [string, string?];
      const x = field === 'search.score()' ? a.score : a.document[field];
      const y = field === 'search.score()' ? b.score : b.document[field];
      const order = compareValues(x, y);
      if (order !== 0) return direction === 'desc' ? -order : order;
    }
    return 0;
  });

  const facets: Record<string, { value: string; count: number }[]> = {};
  for (const spec of body.facets ?? []) {
    const [field, ...options] = spec.split(',') as [string, ...string[]];
    const limit = Number(options.find((option) => option.startsWith('count:'))?.slice(6) ?? 10);
    const counts = new Map<string, number>();
    for (const { document } of scored) {
      const value = document[field];
      for (const item of new Set(Array.isArray(value) ? value : [value])) {
        if (item === undefined || item === null) continue;
        counts.set(String(item), (counts.get(String(item)) ?? 0) + 1);
      }
    }
    facets[field] = [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((x, y) => y.count - x.count || compareValues(x.value, y.value))
      .slice(0, limit);
  }

  const select = body.select ? body.select.split(',') : undefined;
  const skip = body.skip ?? 0;
  const top = body.top ?? 50;
  const page = scored.slice(skip, skip + top).map(({ document, score }) => {
    const picked: Document = { '@search.score': score };
    for (const [key, value] of Object.entries(document))
      if (!select || select.includes(key)) picked[key] = value;
    return picked;
  });
  return {
    ...(body.count ? { '@odata.count': scored.length } : {}),
    ...(body.facets ? { '@search.facets': facets } : {}),
    value: page,
  };
}

function compareValues(x: unknown, y: unknown): number {
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  const a = String(x ?? '');
  const b = String(y ?? '');
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- a strict parser for the OData $filter subset: and/or, parentheses, eq/ne/ge/le/gt/lt, field/any(v: ...) ----

type Predicate = (document: Document, scope: Record<string, unknown>) => boolean;

function parseFilter(filter: string): Predicate {
  const tokens = lex(filter);
  let position = 0;
  const peek = () => tokens[position];
  const take = (expected?: string) => {
    const token = tokens[position++];
    if (token === undefined || (expected !== undefined && token.text !== expected)) {
      throw new BadRequest(
        `Invalid expression: expected ${expected ?? 'a token'} at ${position} in ${filter}`,
      );
    }
    return token;
  };
  const parseOr = (): Predicate => {
    const parts = [parseAnd()];
    while (peek()?.text === 'or') {
      take('or');
      parts.push(parseAnd());
    }
    return (document, scope) => parts.some((part) => part(document, scope));
  };
  const parseAnd = (): Predicate => {
    const parts = [parsePrimary()];
    while (peek()?.text === 'and') {
      take('and');
      parts.push(parsePrimary());
    }
    return (document, scope) => parts.every((part) => part(document, scope));
  };
  const parsePrimary = (): Predicate => {
    if (peek()?.text === '(') {
      take('(');
      const inner = parseOr();
      take(')');
      return inner;
    }
    const field = take();
    if (field.kind !== 'identifier')
      throw new BadRequest(`Invalid expression: unexpected ${field.text} in ${filter}`);
    if (peek()?.text === '/') {
      take('/');
      take('any');
      take('(');
      const variable = take();
      if (variable.kind !== 'identifier') throw new BadRequest(`Invalid lambda variable in ${filter}`);
      take(':');
      const body = parseOr();
      take(')');
      return (document) => {
        const values = document[field.text];
        return Array.isArray(values) && values.some((value) => body(document, { [variable.text]: value }));
      };
    }
    const operator = take();
    if (!['eq', 'ne', 'ge', 'le', 'gt', 'lt'].includes(operator.text)) {
      throw new BadRequest(`Invalid operator ${operator.text} in ${filter}`);
    }
    const literal = take();
    if (literal.kind !== 'string' && literal.kind !== 'number') {
      throw new BadRequest(`Invalid literal ${literal.text} in ${filter}`);
    }
    const expected: unknown = literal.kind === 'number' ? Number(literal.text) : literal.value;
    return (document, scope) => {
      const actual = field.text in scope ? scope[field.text] : document[field.text];
      const order = compareValues(actual, expected);
      switch (operator.text) {
        case 'eq':
          return actual === expected;
        case 'ne':
          return actual !== expected;
        case 'ge':
          return order >= 0;
        case 'le':
          return order <= 0;
        case 'gt':
          return order > 0;
        default:
          return order < 0;
      }
    };
  };
  const predicate = parseOr();
  if (position !== tokens.length) throw new BadRequest(`Invalid expression: trailing input in ${filter}`);
  return predicate;
}

interface Token {
  kind: 'identifier' | 'string' | 'number' | 'symbol';
  text: string;
  value?: string;
}

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const char = input[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (char === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw new BadRequest(`Unterminated string literal in ${input}`);
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += input[i];
        i++;
      }
      tokens.push({ kind: 'string', text: `'${value}'`, value });
    } else if (/[0-9-]/.test(char)) {
      const match = input.slice(i).match(/^-?\d+(\.\d+)?/);
      if (!match) throw new BadRequest(`Bad number in ${input}`);
      tokens.push({ kind: 'number', text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = input.slice(i).match(/^[A-Za-z_][A-Za-z0-9_]*/)!;
      tokens.push({ kind: 'identifier', text: match[0] });
      i += match[0].length;
    } else if ('()/:'.includes(char)) {
      tokens.push({ kind: 'symbol', text: char });
      i++;
    } else {
      throw new BadRequest(`Unexpected character ${char} in ${input}`);
    }
  }
  return tokens;
}
