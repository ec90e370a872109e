/**
 * Text handling both search engines agree on: how text splits into terms and which terms
 * get typo tolerance. The embedded engine indexes with it; the Azure adapter builds its
 * Lucene query from the same terms (so user text never reaches the query parser raw).
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
 * How many edits a query term may be off by: one for words of four letters or more; none
 * for short words (too many neighbours) or anything with digits (ISBNs, models are exact).
 */
export function fuzzyEditsFor(term: string): 0 | 1 {
  return term.length >= 4 && !/\d/.test(term) ? 1 : 0;
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
