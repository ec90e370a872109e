import { describe, expect, it } from 'vitest';
import { luceneText, planQuery } from './query-plan';
import { parseSynonymRules, synonymRulesAreSingleWords, synonymRulesListStems, synonymsOf } from './synonyms';
import { analyze, analyzeName, pluralRules, stem } from './text-tokens';

describe('shared text rules', () => {
  it('folds plurals with the same rules Azure runs as pattern-replace token filters', () => {
    const cases: Record<string, string> = {
      boots: 'boot',
      watches: 'watch',
      dresses: 'dress',
      hoodies: 'hoodie',
      shoes: 'shoe',
      jeans: 'jean',
      boxes: 'box',
      glass: 'glass',
      bus: 'bus',
      analysis: 'analysis',
      its: 'its',
      organic: 'organic',
      running: 'running',
    };
    for (const [word, expected] of Object.entries(cases)) expect(stem(word), word).toBe(expected);
    // Applying each rule once, in order, as Lucene's PatternReplaceFilter does per token.
    const viaRules = (word: string) =>
      pluralRules.reduce((text, rule) => text.replace(new RegExp(rule.pattern), rule.replacement), word);
    for (const word of Object.keys(cases)) expect(viaRules(word)).toBe(stem(word));
  });

  it('indexes the name with its adjacent words joined', () => {
    expect(analyzeName('Classic T-Shirts')).toEqual(['classic', 't', 'shirt', 'classict', 'tshirt']);
    expect(analyze('Running Shoes')).toEqual(['running', 'shoe']);
  });

  it('reads Solr synonym rules: equivalences and explicit mappings', () => {
    const rules = parseSynonymRules(['a, b, c', 'x, y => z, x']);
    expect(synonymsOf('b', rules)).toEqual(['a', 'b', 'c']);
    expect(synonymsOf('y', rules)).toEqual(['z', 'x']);
    expect(synonymsOf('q', rules)).toEqual(['q']);
    expect(synonymRulesAreSingleWords()).toBe(true);
    expect(synonymRulesListStems()).toBe(true);
    expect(synonymRulesListStems(['pants => chino'])).toBe(false);
  });
});

describe('query plan', () => {
  it('gives every word its joins with its neighbours, its synonyms, and a typo stem only when long enough', () => {
    const [smart, watches] = planQuery('Smart watches');
    expect(smart).toEqual({
      word: 'smart',
      forms: ['smart', 'smartwatches'],
      exactTerms: ['smart', 'smartwatch'],
      fuzzyStem: 'smart',
    });
    expect(watches?.forms).toEqual(['watches', 'smartwatches']);
    expect(watches?.exactTerms).toEqual(['watch', 'smartwatch']);
    expect(planQuery('tee')[0]).toEqual({
      word: 'tee',
      forms: ['tee'],
      exactTerms: ['tee', 'tshirt'],
    });
    expect(planQuery('boots')[0]?.fuzzyStem).toBeUndefined();
  });

  it('writes Lucene text with one clause per word and fuzzy only for the named words', () => {
    const words = planQuery('vintaeg (jacket) AND "x"~3');
    expect(luceneText(words)).toBe(
      '(vintaeg OR vintaegjacket) (jacket OR vintaegjacket OR jacketand) (and OR jacketand OR andx) (x OR andx OR x3) (3 OR x3)',
    );
    expect(luceneText(planQuery('vintaeg jacket'), new Set(['vintaeg']))).toBe(
      'vintaeg~1 (jacket OR vintaegjacket)',
    );
    expect(luceneText([])).toBe('*');
  });
});
