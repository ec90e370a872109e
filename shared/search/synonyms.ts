import { stem, tokenize } from './text-tokens';

/**
 * The shop's synonyms, in the Solr format Azure AI Search synonym maps take (the only format
 * it supports: `a, b, c` makes the words equivalent, `a, b => c, d` replaces a query word a or
 * b by c or d; https://learn.microsoft.com/azure/search/search-synonyms). The Azure adapter
 * uploads these lines as the synonym map named `productSynonymMap` (SearchIndexClient
 * createOrUpdateSynonymMap, @azure/search-documents 13 `SynonymMap { name, synonyms }`), and the
 * searchable fields name it in `synonymMaps`; the embedded engine expands query words with the
 * same rules (`synonymsOf`).
 *
 * Rules hold single words only, matched against the query word as typed (lower-cased, before
 * stemming, as Azure's query parser looks words up). Every word's stem is listed beside it too
 * (`synonymRulesListStems`), so a rule matches the same whether words are looked up before or
 * after the plural rules. Joined
 * forms (`tshirt`, `runningshoe`) reach the name field's joined pairs (text-tokens analyzeName).
 * Synonyms never apply to typo-expanded (fuzzy) words, on Azure or here.
 */
export const synonymRules: readonly string[] = [
  'tee, tees, tshirt, tshirts',
  'watch, watches => watch, smartwatch',
  'sneaker, sneakers, trainer, trainers => sneaker, runningshoe',
  'earphone, earphones, earbud, earbuds => earphone, headphone',
  'jumper, jumpers, pullover, pullovers => jumper, sweater',
  'sunblock, suncream => sunblock, sunscreen',
  'bicycle, bicycles, bike, bikes',
  'fragrance, fragrances, scent, scents => fragrance, perfume',
  'coat, coats => coat, parka, jacket',
  'trousers, trouser, pants, pant => trousers, chino, jeans',
  'notebook, notebooks => notebook, laptop',
  'couch, couches, sofa, sofas',
];

interface ParsedRule {
  from: string[];
  to: string[];
}

/** Solr rules, parsed: equivalences map every word to all; explicit rules map left to right. */
export function parseSynonymRules(rules: readonly string[]): Map<string, string[]> {
  const byWord = new Map<string, string[]>();
  const words = (list: string) =>
    list
      .split(',')
      .map((word) => word.trim().toLowerCase())
      .filter((word) => word.length > 0);
  for (const line of rules) {
    const [left, right] = line.split('=>') as [string, string | undefined];
    const rule: ParsedRule =
      right === undefined ? { from: words(left), to: words(left) } : { from: words(left), to: words(right) };
    for (const word of rule.from) {
      const expansions = byWord.get(word) ?? [];
      for (const target of rule.to) if (!expansions.includes(target)) expansions.push(target);
      byWord.set(word, expansions);
    }
  }
  return byWord;
}

const shopSynonyms = parseSynonymRules(synonymRules);

/**
 * What a query word expands to under the rules: itself when no rule names it; the rule's
 * words otherwise (an explicit rule replaces the word, as in Azure).
 */
export function synonymsOf(word: string, rules: Map<string, string[]> = shopSynonyms): string[] {
  return rules.get(word) ?? [word];
}

/** True when every rule word is one token (multi-word synonyms would need phrase matching). */
export function synonymRulesAreSingleWords(rules: readonly string[] = synonymRules): boolean {
  return rules.every((line) =>
    line
      .split(/=>|,/)
      .map((word) => word.trim())
      .every((word) => tokenize(word).length === 1 && tokenize(word)[0] === word.toLowerCase()),
  );
}

/** True when each rule's left side lists the stem of every word it lists. */
export function synonymRulesListStems(rules: readonly string[] = synonymRules): boolean {
  return rules.every((line) => {
    const left = (line.split('=>')[0] ?? '').split(',').map((word) => word.trim().toLowerCase());
    return left.every((word) => left.includes(stem(word)));
  });
}
