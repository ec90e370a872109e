/**
 * Text handling both search engines agree on: how text splits into terms, how plurals fold
 * to one stem, how adjacent name words also index joined, and which terms get typo
 * tolerance. The embedded engine indexes with it; the Azure index definition
 * (product-index-schema.ts) declares the same rules as analyzer token filters, and the
 * Azure adapter builds its Lucene query from the same words (so user text never reaches
 * the query parser raw).
 */

/** Lower-cased words of letters and digits, accents removed ("Café T-Shirt" -> cafe, t, shirt). */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0);
}

/**
 * A light English plural stemmer as ordered regular-expression rules, each applied once to
 * every token. Written as data because Azure AI Search runs the very same rules at index and
 * query time as PatternReplaceTokenFilters (Lucene PatternReplaceFilter: a Java regex and a
 * `$1` replacement per token; @azure/search-documents 13 `PatternReplaceTokenFilter
 * { pattern, replacement }`). The patterns use only syntax Java and JavaScript read alike.
 * Deliberately lighter than Porter ("organic" stays "organic", "running" stays "running"):
 * it only folds plurals, so boots/boot, watches/watch, hoodies/hoodie meet.
 */
export const pluralRules = [
  // watches, brushes, boxes, dresses, quizzes -> watch, brush, box, dress, quizz
  { name: 'shop_plural_es', pattern: '^([a-z0-9]{2,}(?:ch|sh|x|ss|z))es$', replacement: '$1' },
  // boots, shoes, hoodies, jeans, toys -> boot, shoe, hoodie, jean, toy; not glass, bus, analysis.
  // No "ies -> y" rule: it would turn hoodies into hoody; batteries -> batterie is the price
  // (a synonym rule can patch such a word when the shop sells it).
  { name: 'shop_plural_s', pattern: '^([a-z0-9]{2,}[^sui])s$', replacement: '$1' },
] as const;
const compiledPluralRules = pluralRules.map((rule) => ({
  regex: new RegExp(rule.pattern),
  replacement: rule.replacement,
}));

/**
 * Stems already worked out. A catalogue repeats its words thousands of times, and every rule is
 * a regular expression run per token: indexing 2,400 products at start spent most of its
 * stemming time on words it had stemmed before (issue #19).
 */
const stems = new Map<string, string>();

/** A token's stem under `pluralRules` (tokens are already lower-cased and accent-folded). */
export function stem(token: string): string {
  const known = stems.get(token);
  if (known !== undefined) return known;
  let result = token;
  for (const rule of compiledPluralRules) result = result.replace(rule.regex, rule.replacement);
  // Bounded: query words are user input.
  if (stems.size >= 50_000) stems.clear();
  stems.set(token, result);
  return result;
}

/** Searchable text as indexed terms: `tokenize`, then `stem`. */
export function analyze(text: string): string[] {
  return tokenize(text).map(stem);
}

/**
 * Terms of the product name: its analyzed words plus each adjacent pair joined, so the
 * query "tshirt" finds "T-Shirt" and "yogamat" finds "Yoga Mat". Azure: a ShingleTokenFilter
 * (maxShingleSize 2, tokenSeparator "", outputUnigrams true) after the plural rules in the
 * name field's index analyzer.
 */
export function analyzeName(text: string): string[] {
  const words = analyze(text);
  const terms = [...words];
  for (let i = 0; i + 1 < words.length; i++) terms.push(words[i]! + words[i + 1]!);
  return terms;
}

/**
 * How many edits a query stem may be off by: one for stems of five letters or more; none
 * for shorter ones (a shop's short words have too many real neighbours: boot/book,
 * lamp/lamb, vase/base) or anything with digits (ISBNs, models are exact). Typo expansion
 * only ever applies to a word with no exact match anywhere in the index (query-plan.ts).
 */
export function fuzzyEditsFor(term: string): 0 | 1 {
  return term.length >= 5 && !/\d/.test(term) ? 1 : 0;
}

/** Every string made by deleting one character of `term`. */
export function oneDeleteVariants(term: string): string[] {
  const variants = new Set<string>();
  for (let i = 0; i < term.length; i++) variants.add(term.slice(0, i) + term.slice(i + 1));
  return [...variants];
}

/**
 * True when `a` and `b` differ by at most one insertion, deletion, substitution or swap of
 * adjacent characters (Damerau: a swap is one typo, as in Lucene's fuzzy queries).
 */
export function isWithinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
