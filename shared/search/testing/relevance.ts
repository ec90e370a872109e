import type { Product } from '../../catalogue/product';
import type { SearchResult } from '../search-index.port';
import type { JudgedQuery } from './judged-queries';

/**
 * Precision@10 and nDCG@10 (binary gains) of a judged query set against any search function.
 *
 * - precision@10 = relevant results in the top 10 / min(10, relevant products): a query with
 *   three relevant products scores 1 when it shows those three (plain P@10 would cap it at 0.3).
 * - nDCG@10 = DCG of the top 10 / the DCG of an ideal top 10, DCG = sum of 1 / log2(rank + 1).
 * - A query that should find nothing scores 1 on both when it returns nothing, else 0.
 */
export interface QueryScore {
  query: string;
  kind: JudgedQuery['kind'];
  relevantProducts: number;
  returned: number;
  relevantInTop10: number;
  precisionAt10: number;
  ndcgAt10: number;
}

export interface RelevanceReport {
  queries: number;
  catalogueProducts: number;
  meanPrecisionAt10: number;
  meanNdcgAt10: number;
  /** By query kind: mean nDCG@10. */
  byKind: Record<string, { queries: number; meanPrecisionAt10: number; meanNdcgAt10: number }>;
  /** The lowest nDCG@10 first. */
  worst: QueryScore[];
  scores: QueryScore[];
}

const round = (value: number) => Math.round(value * 1000) / 1000;

export function describeQuery(params: Record<string, string>): string {
  const { q = '', ...rest } = params;
  const extra = Object.entries(rest).map(([key, value]) => `${key}=${value}`);
  return [`"${q}"`, ...extra].join(' ');
}

export async function scoreJudgedQueries(
  products: Product[],
  judged: JudgedQuery[],
  search: (params: Record<string, string>) => Promise<SearchResult>,
  worstCount = 8,
): Promise<RelevanceReport> {
  const scores: QueryScore[] = [];
  for (const query of judged) {
    const relevant = new Set(products.filter(query.relevant).map((product) => product.id));
    const result = await search({ ...query.params, pageSize: '10', page: '1' });
    const top = result.items.slice(0, 10).map((item) => item.id);
    let found = 0;
    let dcg = 0;
    top.forEach((id, rank) => {
      if (!relevant.has(id)) return;
      found++;
      dcg += 1 / Math.log2(rank + 2);
    });
    let precision: number;
    let ndcg: number;
    if (relevant.size === 0) {
      precision = result.total === 0 ? 1 : 0;
      ndcg = precision;
    } else {
      const ideal = Math.min(10, relevant.size);
      let idcg = 0;
      for (let rank = 0; rank < ideal; rank++) idcg += 1 / Math.log2(rank + 2);
      precision = found / ideal;
      ndcg = dcg / idcg;
    }
    scores.push({
      query: describeQuery(query.params),
      kind: query.kind,
      relevantProducts: relevant.size,
      returned: result.total,
      relevantInTop10: found,
      precisionAt10: round(precision),
      ndcgAt10: round(ndcg),
    });
  }
  const mean = (list: QueryScore[], pick: (score: QueryScore) => number) =>
    round(list.reduce((sum, score) => sum + pick(score), 0) / Math.max(1, list.length));
  const byKind: RelevanceReport['byKind'] = {};
  for (const kind of new Set(scores.map((score) => score.kind))) {
    const list = scores.filter((score) => score.kind === kind);
    byKind[kind] = {
      queries: list.length,
      meanPrecisionAt10: mean(list, (score) => score.precisionAt10),
      meanNdcgAt10: mean(list, (score) => score.ndcgAt10),
    };
  }
  const worst = [...scores]
    .sort((a, b) => a.ndcgAt10 - b.ndcgAt10 || a.precisionAt10 - b.precisionAt10)
    .slice(0, worstCount);
  return {
    queries: scores.length,
    catalogueProducts: products.length,
    meanPrecisionAt10: mean(scores, (score) => score.precisionAt10),
    meanNdcgAt10: mean(scores, (score) => score.ndcgAt10),
    byKind,
    worst,
    scores,
  };
}
