import { synonymsOf } from './synonyms';
import { analyze, fuzzyEditsFor, stem, tokenize } from './text-tokens';

/**
 * How free text becomes a query, the same for both engines:
 *
 * - Every query word must match (AND). A word matches a product holding any of its exact
 *   forms: its stem, its join with the word before or after it ("smart watch" also tries
 *   "smartwatch", so split and joined spellings meet; the name field also indexes joined
 *   pairs, so "tshirt" finds "T-Shirt"), and their synonyms (synonyms.ts).
 * - Typo tolerance follows Algolia's `typoTolerance: "min"` per word: a word with exact
 *   matches anywhere in the index never gets typo expansions, so "jacket" never brings tennis
 *   rackets, whatever the sort. Only a word with no exact match at all is replaced by its
 *   one-edit neighbours (stems of five letters or more, no digits): "jaket" finds jackets.
 *   Typo-only results are therefore dropped, never interleaved, when exact ones exist.
 *
 * The embedded engine checks "any exact match" against its vocabulary; the Azure adapter asks
 * the service (a count query per word) only when the exact query found nothing.
 */
export interface QueryWord {
  /** The word as typed, lower-cased and accent-folded. */
  word: string;
  /** Raw forms that match without a typo: the word and its joins with its neighbours. */
  forms: string[];
  /** Indexed terms (stemmed) those forms and their synonyms match: what the embedded engine looks up. */
  exactTerms: string[];
  /** The stem to expand by one edit when the word has no exact match; undefined when too short. */
  fuzzyStem?: string;
}

export const maxQueryWords = 10;

export function planQuery(q: string | undefined): QueryWord[] {
  const words: string[] = [];
  for (const word of tokenize(q ?? '')) if (!words.includes(word)) words.push(word);
  const kept = words.slice(0, maxQueryWords);
  return kept.map((word, i) => {
    const forms = [word];
    if (i > 0) forms.push(kept[i - 1]! + word);
    if (i + 1 < kept.length) forms.push(word + kept[i + 1]!);
    const exactTerms: string[] = [];
    for (const form of forms) {
      for (const synonym of synonymsOf(form)) {
        for (const term of analyze(synonym)) if (!exactTerms.includes(term)) exactTerms.push(term);
      }
    }
    const wordStem = stem(word);
    const planned: QueryWord = { word, forms, exactTerms };
    if (fuzzyEditsFor(wordStem) > 0) planned.fuzzyStem = wordStem;
    return planned;
  });
}

/**
 * Lucene (queryType full, searchMode all) text for planned words: each word one required
 * clause, its forms OR-ed (`(smart OR smartwatch)`); a word in `typoWords` becomes its stem
 * with one edit (`jaket~1`: fuzzy terms are not analyzed, so the stem is sent, and synonyms
 * do not apply to them — https://learn.microsoft.com/azure/search/search-query-fuzzy).
 * Words hold only letters and digits and are lower case, so user text never becomes syntax
 * (a typed "and"/"or" stays a word; only upper-case AND/OR/NOT are operators).
 */
export function luceneText(words: QueryWord[], typoWords: ReadonlySet<string> = new Set()): string {
  if (words.length === 0) return '*';
  return words.map((word) => luceneClause(word, typoWords.has(word.word))).join(' ');
}

/** One word's clause: `form` or `(form OR form)`, or `stem~1` for a typo'd word. */
export function luceneClause(word: QueryWord, typo = false): string {
  if (typo && word.fuzzyStem) return `${word.fuzzyStem}~1`;
  return word.forms.length === 1 ? word.forms[0]! : `(${word.forms.join(' OR ')})`;
}
