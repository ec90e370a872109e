import type { Product } from '../../catalogue/product';
import {
  documentFieldValues,
  type FacetField,
  facetFields,
  type ProductSearchDocument,
  type TextField,
  textFieldWeights,
  toSearchDocument,
} from '../../search/product-index-schema';
import { planQuery, type QueryWord } from '../../search/query-plan';
import {
  type FacetBucket,
  maxFacetValues,
  type SearchHit,
  type SearchIndex,
  type SearchRequest,
  type SearchResult,
} from '../../search/search-index.port';
import {
  analyze,
  analyzeName,
  fuzzyEditsFor,
  isWithinOneEdit,
  oneDeleteVariants,
} from '../../search/text-tokens';

/*
 * Why a small purpose-built engine instead of MiniSearch or Orama: at 100,000 products both
 * were too slow for multi-word fuzzy queries and facet counts over large result sets
 * (bench/results/design-measurements.md). What is needed is modest: an inverted index with
 * typed-array postings and BM25-style weights computed at index time; typo tolerance from
 * a one-deletion dictionary (SymSpell idea: candidates in O(term length), transpositions
 * included, which MiniSearch's Levenshtein misses); per-field value -> ordinal lists for
 * filters, a bitset to AND them, per-document value ids for facet counts, and presorted
 * orders for price/newest sorts. Text matching intersects the (document-sorted) postings,
 * rarest term first (its speed: `npm run bench -- search`, bench/results/search.json).
 * Which words match what (stems, joined words, synonyms, typos only for words with no exact
 * match) is shared with the Azure index: text-tokens.ts, synonyms.ts, query-plan.ts.
 */

/** Assumed average field lengths for BM25 length normalisation (stable under upserts). */
const averageFieldTokens: Record<TextField, number> = {
  name: 3,
  brand: 1.5,
  category: 1,
  attributeText: 6,
  description: 12,
};
const k1 = 1.2;
const b = 0.75;
/** A typo'd match counts this much of an exact one (only words without exact matches get typos). */
const fuzzyPenalty = 0.45;
/** Below this many matches a sort beats walking a presorted order of every document. */
const smallResultSet = 512;

/** A term's documents and their precomputed weights, in growable typed arrays. */
class Postings {
  docs = new Int32Array(4);
  weights = new Float32Array(4);
  length = 0;

  add(doc: number, weight: number): void {
    if (this.length === this.docs.length) {
      const docs = new Int32Array(this.length * 2);
      docs.set(this.docs);
      this.docs = docs;
      const weights = new Float32Array(this.length * 2);
      weights.set(this.weights);
      this.weights = weights;
    }
    this.docs[this.length] = doc;
    this.weights[this.length] = weight;
    this.length++;
  }
}

/** A growable Int32Array (plain number arrays of arrays cost a cache miss per document). */
class IntList {
  data = new Int32Array(16);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const data = new Int32Array(this.length * 2);
      data.set(this.data);
      this.data = data;
    }
    this.data[this.length++] = value;
  }
}

/**
 * One filterable/facetable field: value ids, the documents holding each value, and each
 * document's value ids in compressed rows (offsets + flat ids, documents in ordinal order),
 * so facet counting walks contiguous memory.
 */
class FieldIndex {
  readonly valueIds = new Map<string, number>();
  readonly values: string[] = [];
  readonly docsByValue: IntList[] = [];
  readonly offsets = new IntList();
  readonly flatValueIds = new IntList();
  /** True once a document holds two values; until then `singleValueIds` can count facets. */
  multiValued = false;
  private singleValues: Uint8Array | Uint16Array | Int32Array | undefined;

  /**
   * Each document's value id + 1 (0: none), from the compressed rows, in the narrowest array
   * that holds them: a field with few values takes a byte per document and facet counting stays
   * in cache. Built on first use after a change.
   */
  singleValueIds(): Uint8Array | Uint16Array | Int32Array {
    if (!this.singleValues) {
      const values = this.values.length + 1;
      const documents = this.offsets.length - 1;
      const ids =
        values <= 0xff
          ? new Uint8Array(documents)
          : values <= 0xffff
            ? new Uint16Array(documents)
            : new Int32Array(documents);
      const offsets = this.offsets.data;
      const flat = this.flatValueIds.data;
      for (let doc = 0; doc < documents; doc++) {
        if (offsets[doc + 1]! > offsets[doc]!) ids[doc] = flat[offsets[doc]!]! + 1;
      }
      this.singleValues = ids;
    }
    return this.singleValues;
  }

  constructor() {
    this.offsets.push(0);
  }

  /** Must be called for every document, in ordinal order (empty `values` allowed). */
  add(doc: number, values: string[]): void {
    this.singleValues = undefined;
    const start = this.flatValueIds.length;
    for (const value of values) {
      let id = this.valueIds.get(value);
      if (id === undefined) {
        id = this.values.length;
        this.valueIds.set(value, id);
        this.values.push(value);
        this.docsByValue.push(new IntList());
      }
      let duplicate = false;
      for (let i = start; i < this.flatValueIds.length; i++)
        if (this.flatValueIds.data[i] === id) duplicate = true;
      if (duplicate) continue;
      this.flatValueIds.push(id);
      this.docsByValue[id]!.push(doc);
    }
    if (this.flatValueIds.length - start > 1) this.multiValued = true;
    this.offsets.push(this.flatValueIds.length);
  }
}

export interface EmbeddedSearchIndexOptions {
  /** Rebuild internal structures once this many removed/replaced documents pile up (and outnumber live ones). */
  compactAfterDeadDocs?: number;
}

export class EmbeddedSearchIndex implements SearchIndex {
  readonly kind = 'embedded' as const;
  private readonly compactAfterDeadDocs: number;

  // Documents by ordinal; undefined once removed or replaced (tombstone).
  private docs: (ProductSearchDocument | undefined)[] = [];
  private ordinalById = new Map<string, number>();
  private prices: number[] = [];
  private createdAtMs: number[] = [];
  private deadDocs = 0;

  private terms = new Map<string, Postings>();
  /** Deletion variant -> vocabulary terms that produce it (for one-edit lookups). */
  private deletions = new Map<string, string[]>();
  /**
   * Terms in the order they entered `terms`; `deletions` covers the first `deletionsCover`.
   * The deletion dictionary is only read by a typo'd query word, so it is brought up to date
   * then, not at indexing: ~40% of indexing the catalogue at start (issue #19).
   */
  private termOrder: string[] = [];
  private deletionsCover = 0;
  private fields = new Map<FacetField, FieldIndex>();

  // Presorted ordinals for sorts, live ordinals and unfiltered facet counts: rebuilt lazily after changes.
  private sortedCache = new Map<string, Int32Array>();
  private liveCache: number[] | undefined;
  /** Each live document's position in id order: the tie-break of every sort, as a number compare. */
  private idRankCache: Int32Array | undefined;
  private allFacetCache = new Map<FacetField, FacetBucket[]>();

  // Scratch buffers reused across queries (sized to the ordinal space).
  private scores = new Float64Array(0);

  constructor(options: EmbeddedSearchIndexOptions = {}) {
    this.compactAfterDeadDocs = options.compactAfterDeadDocs ?? 5000;
    this.resetStructures();
  }

  async ensureIndex(): Promise<void> {}

  async upsert(products: Product[]): Promise<void> {
    for (const product of products) this.addDocument(toSearchDocument(product));
    this.afterChange();
  }

  async remove(ids: string[]): Promise<void> {
    for (const id of ids) this.removeDocument(id);
    this.afterChange();
  }

  async count(): Promise<number> {
    return this.ordinalById.size;
  }

  async search(request: SearchRequest): Promise<SearchResult> {
    return this.searchSync(request);
  }

  /** Synchronous core of `search` (the benchmark measures it without promise overhead too). */
  searchSync(request: SearchRequest): SearchResult {
    const queryWords = planQuery(request.q);
    const mask = this.filterMask(request);
    const minPrice = request.minPrice ?? Number.NEGATIVE_INFINITY;
    const maxPrice = request.maxPrice ?? Number.POSITIVE_INFINITY;
    const passes = (doc: number): boolean => {
      if (this.docs[doc] === undefined) return false;
      if (mask && (mask[doc >>> 5]! & (1 << (doc & 31))) === 0) return false;
      const price = this.prices[doc]!;
      return price >= minPrice && price <= maxPrice;
    };

    let matched: number[];
    // Text without any word characters (e.g. "!!!") searches everything, as on Azure.
    const textual = queryWords.length > 0;
    const everything = !textual && !mask && request.minPrice === undefined && request.maxPrice === undefined;
    if (textual) {
      matched = this.textMatches(queryWords, passes);
    } else if (everything) {
      matched = this.liveDocs();
    } else if (mask) {
      // Walk only the set bits of the filter mask.
      matched = setBits(mask, passes);
    } else {
      // Only a price range: it is a slice of the price order (found by binary search), not a scan.
      const order = this.sortedOrder('price_asc', this.priceAscending());
      const prices = this.prices;
      const from = lowerBound(order.length, (i) => prices[order[i]!]! >= minPrice);
      const to = lowerBound(order.length, (i) => prices[order[i]!]! > maxPrice);
      // Back into document order through a bitset: facet counting then reads memory in sequence.
      matched = setBits(bitsetOf(order.subarray(from, Math.max(from, to)), this.docs.length));
    }

    const start = (request.page - 1) * request.pageSize;
    const pageDocs = this.orderPage(matched, request, textual, start, start + request.pageSize);
    const items = pageDocs.map((doc) => this.hit(doc, textual));
    const facets: Partial<Record<FacetField, FacetBucket[]>> = {};
    for (const field of request.facets) {
      // The unfiltered storefront page is the commonest query: its facet counts are cached.
      facets[field] = everything ? this.allDocsFacet(field, matched) : this.countFacet(field, matched);
    }
    if (textual) this.clearScores(matched);
    return { total: matched.length, page: request.page, pageSize: request.pageSize, items, facets };
  }

  // ---- indexing ----

  private resetStructures(): void {
    this.docs = [];
    this.ordinalById = new Map();
    this.prices = [];
    this.createdAtMs = [];
    this.deadDocs = 0;
    this.terms = new Map();
    this.deletions = new Map();
    this.termOrder = [];
    this.deletionsCover = 0;
    this.fields = new Map(facetFields.map((name) => [name, new FieldIndex()]));
    this.sortedCache.clear();
    this.liveCache = undefined;
    this.idRankCache = undefined;
    this.allFacetCache.clear();
  }

  private addDocument(document: ProductSearchDocument): void {
    this.removeDocument(document.id);
    const doc = this.docs.length;
    this.docs.push(document);
    this.ordinalById.set(document.id, doc);
    this.prices.push(document.priceMinor);
    this.createdAtMs.push(Date.parse(document.createdAt) || 0);

    const weightByTerm = new Map<string, number>();
    const addField = (fieldName: TextField, text: string) => {
      // The name also indexes adjacent words joined ("T-Shirt" -> t, shirt, tshirt).
      const tokens = fieldName === 'name' ? analyzeName(text) : analyze(text);
      if (tokens.length === 0) return;
      const frequency = new Map<string, number>();
      for (const token of tokens) frequency.set(token, (frequency.get(token) ?? 0) + 1);
      const norm = k1 * (1 - b + (b * tokens.length) / averageFieldTokens[fieldName]);
      for (const [token, tf] of frequency) {
        const weight = (textFieldWeights[fieldName] * tf * (k1 + 1)) / (tf + norm);
        weightByTerm.set(token, (weightByTerm.get(token) ?? 0) + weight);
      }
    };
    addField('name', document.name);
    addField('brand', document.brand);
    addField('category', document.category);
    addField('attributeText', document.attributeText.join(' \n '));
    addField('description', document.description);
    for (const [term, weight] of weightByTerm) this.postingsFor(term).add(doc, weight);

    for (const [name, index] of this.fields) index.add(doc, documentFieldValues(document, name));
  }

  private postingsFor(term: string): Postings {
    let postings = this.terms.get(term);
    if (!postings) {
      postings = new Postings();
      this.terms.set(term, postings);
      this.termOrder.push(term);
    }
    return postings;
  }

  /** The deletion dictionary for every term indexed so far (see `termOrder`). */
  private deletionDictionary(): Map<string, string[]> {
    for (; this.deletionsCover < this.termOrder.length; this.deletionsCover++) {
      const term = this.termOrder[this.deletionsCover]!;
      if (fuzzyEditsFor(term) === 0) continue;
      for (const variant of oneDeleteVariants(term)) {
        const list = this.deletions.get(variant);
        if (list) list.push(term);
        else this.deletions.set(variant, [term]);
      }
    }
    return this.deletions;
  }

  private removeDocument(id: string): void {
    const doc = this.ordinalById.get(id);
    if (doc === undefined) return;
    this.ordinalById.delete(id);
    this.docs[doc] = undefined;
    this.deadDocs++;
  }

  private afterChange(): void {
    this.sortedCache.clear();
    this.liveCache = undefined;
    this.idRankCache = undefined;
    this.allFacetCache.clear();
    if (this.deadDocs >= this.compactAfterDeadDocs && this.deadDocs > this.ordinalById.size) {
      // Postings keep tombstoned ordinals; rebuilding drops them and their vocabulary.
      const live = this.docs.filter((document): document is ProductSearchDocument => document !== undefined);
      this.resetStructures();
      for (const document of live) this.addDocument(document);
    }
  }

  // ---- querying ----

  /** Bitset of documents passing category and attribute filters, or undefined when there are none. */
  private filterMask(request: SearchRequest): Uint32Array | undefined {
    const groups: [FacetField, readonly string[]][] = [];
    if (request.categories && request.categories.length > 0) groups.push(['category', request.categories]);
    for (const [name, values] of Object.entries(request.filters ?? {})) {
      if (values && values.length > 0) groups.push([name as FacetField, values]);
    }
    if (groups.length === 0) return undefined;
    const words = (this.docs.length >>> 5) + 1;
    let mask: Uint32Array | undefined;
    for (const [name, values] of groups) {
      const index = this.fields.get(name)!;
      const group = new Uint32Array(words);
      for (const value of values) {
        const id = index.valueIds.get(value);
        if (id === undefined) continue;
        const docs = index.docsByValue[id]!;
        for (let i = 0; i < docs.length; i++) {
          const doc = docs.data[i]!;
          group[doc >>> 5]! |= 1 << (doc & 31);
        }
      }
      if (mask) for (let i = 0; i < words; i++) mask[i]! &= group[i]!;
      else mask = group;
    }
    return mask;
  }

  private ensureScratch(): void {
    const size = this.docs.length;
    if (this.scores.length >= size) return;
    const capacity = Math.max(1024, size * 2);
    this.scores = new Float64Array(capacity);
  }

  /**
   * Documents matching every query word (query-plan.ts: one of its exact terms, or for a word
   * with no exact match anywhere, a term within one edit of its stem), scored into `this.scores`.
   * Posting lists are sorted by document, so this is a sorted-list intersection: the rarest term's
   * documents are the candidates, and each commoner term is merged against them (galloping over
   * the long list). State lives in arrays the size of the candidate set; per-document arrays of
   * the whole catalogue made every match a cache miss, several times slower.
   */
  private textMatches(queryWords: QueryWord[], passes: (doc: number) => boolean): number[] {
    const total = Math.max(1, this.ordinalById.size);
    const idf = (postings: Postings) =>
      Math.log(1 + (total - postings.length + 0.5) / (postings.length + 0.5));
    const termVariants = queryWords.map((word) => this.variantsOf(word));
    // One term matching nothing empties the AND.
    if (termVariants.some((variants) => variants.length === 0)) return [];
    const postingsCount = (variants: [Postings, number][]) =>
      variants.reduce((sum, [postings]) => sum + postings.length, 0);
    termVariants.sort((x, y) => postingsCount(x) - postingsCount(y));

    // Candidates: the union of the rarest term's variants, each scored by its best variant.
    let candidates: ScoredDocs = { docs: new Int32Array(0), scores: new Float64Array(0), length: 0 };
    for (const [postings, penalty] of termVariants[0]!) {
      candidates = unionBest(candidates, postings, idf(postings) * penalty);
    }
    for (let t = 1; t < termVariants.length && candidates.length > 0; t++) {
      const best = new Float64Array(candidates.length).fill(-1);
      for (const [postings, penalty] of termVariants[t]!) {
        intersectBest(candidates, postings, idf(postings) * penalty, best);
      }
      // Keep the candidates this term matched, adding its best variant's score.
      let kept = 0;
      for (let i = 0; i < candidates.length; i++) {
        if (best[i]! < 0) continue;
        candidates.docs[kept] = candidates.docs[i]!;
        candidates.scores[kept] = candidates.scores[i]! + best[i]!;
        kept++;
      }
      candidates.length = kept;
    }

    this.ensureScratch();
    const matched: number[] = [];
    for (let i = 0; i < candidates.length; i++) {
      const doc = candidates.docs[i]!;
      if (!passes(doc)) continue;
      this.scores[doc] = candidates.scores[i]!;
      matched.push(doc);
    }
    return matched;
  }

  private clearScores(matched: number[]): void {
    for (const doc of matched) this.scores[doc] = 0;
  }

  /**
   * The postings a query word matches, with their weight factor: its exact terms; or, when none
   * of those is in the index at all, the one-edit neighbours of its stem (typoTolerance "min").
   */
  private variantsOf(word: QueryWord): [Postings, number][] {
    const variants: [Postings, number][] = [];
    for (const term of word.exactTerms) {
      const exact = this.terms.get(term);
      if (exact) variants.push([exact, 1]);
    }
    if (variants.length > 0 || word.fuzzyStem === undefined) return variants;
    const term = word.fuzzyStem;
    const deletions = this.deletionDictionary();
    const candidates = new Set<string>();
    // Query has an extra character, a substitution or a transposition...
    for (const variant of oneDeleteVariants(term)) {
      if (this.terms.has(variant)) candidates.add(variant);
      for (const indexed of deletions.get(variant) ?? []) candidates.add(indexed);
    }
    // ...or misses one character.
    for (const indexed of deletions.get(term) ?? []) candidates.add(indexed);
    candidates.delete(term);
    for (const candidate of candidates) {
      if (!isWithinOneEdit(term, candidate)) continue;
      variants.push([this.terms.get(candidate)!, fuzzyPenalty]);
    }
    return variants;
  }

  private orderPage(
    matched: number[],
    request: SearchRequest,
    textual: boolean,
    start: number,
    end: number,
  ): number[] {
    if (start >= matched.length) return [];
    const idRank = this.idRanks();
    const byId = (a: number, c: number) => idRank[a]! - idRank[c]!;
    if (textual && request.sort === 'relevance') {
      const scores = this.scores;
      return topK(matched, end, (a, c) => scores[c]! - scores[a]! || byId(a, c)).slice(start, end);
    }
    const sort = request.sort === 'relevance' ? 'newest' : request.sort;
    const compare =
      sort === 'price_asc'
        ? this.priceAscending()
        : sort === 'price_desc'
          ? (a: number, c: number) => this.prices[c]! - this.prices[a]! || byId(a, c)
          : (a: number, c: number) => this.createdAtMs[c]! - this.createdAtMs[a]! || byId(a, c);
    // Small result sets: sort them. Larger ones: walk the presorted order keeping members, which
    // stops after about end × total / matched steps (a heap over thousands of matches costs more).
    if (matched.length < smallResultSet) return topK(matched, end, compare).slice(start, end);
    const order = this.sortedOrder(sort, compare);
    if (matched.length === order.length) return Array.from(order.subarray(start, end));
    const member = bitsetOf(matched, this.docs.length);
    const page: number[] = [];
    let seen = 0;
    for (let i = 0; i < order.length && seen < end; i++) {
      const doc = order[i]!;
      if ((member[doc >>> 5]! & (1 << (doc & 31))) === 0) continue;
      if (seen >= start) page.push(doc);
      seen++;
    }
    return page;
  }

  private priceAscending(): (a: number, c: number) => number {
    const prices = this.prices;
    const idRank = this.idRanks();
    return (a, c) => prices[a]! - prices[c]! || idRank[a]! - idRank[c]!;
  }

  private sortedOrder(key: string, compare: (a: number, c: number) => number): Int32Array {
    let order = this.sortedCache.get(key);
    if (!order) {
      order = Int32Array.from(this.liveDocs()).sort(compare);
      this.sortedCache.set(key, order);
    }
    return order;
  }

  private idRanks(): Int32Array {
    if (!this.idRankCache) {
      const docs = this.docs;
      const byId = this.liveDocs().slice();
      byId.sort((a, c) => {
        const x = docs[a]!.id;
        const y = docs[c]!.id;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      const ranks = new Int32Array(docs.length);
      for (let rank = 0; rank < byId.length; rank++) ranks[byId[rank]!] = rank;
      this.idRankCache = ranks;
    }
    return this.idRankCache;
  }

  private liveDocs(): number[] {
    if (!this.liveCache) {
      const live: number[] = [];
      for (let doc = 0; doc < this.docs.length; doc++) if (this.docs[doc] !== undefined) live.push(doc);
      this.liveCache = live;
    }
    return this.liveCache;
  }

  private allDocsFacet(name: FacetField, everyDoc: number[]): FacetBucket[] {
    let buckets = this.allFacetCache.get(name);
    if (!buckets) {
      buckets = this.countFacet(name, everyDoc);
      this.allFacetCache.set(name, buckets);
    }
    return buckets.map((bucket) => ({ ...bucket }));
  }

  private countFacet(name: FacetField, matched: number[]): FacetBucket[] {
    const index = this.fields.get(name)!;
    const counts = new Int32Array(index.values.length + 1);
    if (index.multiValued) {
      const offsets = index.offsets.data;
      const flat = index.flatValueIds.data;
      for (const doc of matched) {
        const end = offsets[doc + 1]!;
        for (let i = offsets[doc]!; i < end; i++) counts[flat[i]!]!++;
      }
    } else {
      // One small read per document instead of three.
      const ids = index.singleValueIds();
      for (const doc of matched) counts[ids[doc]!]!++;
    }
    const buckets: FacetBucket[] = [];
    const shift = index.multiValued ? 0 : 1; // compact ids are one up (0 counts documents without a value)
    for (let id = 0; id < index.values.length; id++) {
      const count = counts[id + shift]!;
      if (count > 0) buckets.push({ value: index.values[id]!, count });
    }
    buckets.sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
    return buckets.slice(0, maxFacetValues);
  }

  private hit(doc: number, textual: boolean): SearchHit {
    const document = this.docs[doc]!;
    const hit: SearchHit = {
      id: document.id,
      name: document.name,
      brand: document.brand,
      category: document.category,
      priceMinor: document.priceMinor,
      currency: document.currency,
      imageUrl: document.imageUrl,
    };
    if (textual) hit.score = Math.round(this.scores[doc]! * 1000) / 1000;
    return hit;
  }
}

/** Documents in ascending order with a score each (the first `length` entries are live). */
interface ScoredDocs {
  docs: Int32Array;
  scores: Float64Array;
  length: number;
}

/** `into` plus the postings' documents, a document in both keeping the higher score. */
function unionBest(into: ScoredDocs, postings: Postings, factor: number): ScoredDocs {
  const docs = new Int32Array(into.length + postings.length);
  const scores = new Float64Array(docs.length);
  let a = 0;
  let b = 0;
  let length = 0;
  while (a < into.length || b < postings.length) {
    const fromInto = a < into.length ? into.docs[a]! : Number.POSITIVE_INFINITY;
    const fromPostings = b < postings.length ? postings.docs[b]! : Number.POSITIVE_INFINITY;
    if (fromInto < fromPostings) {
      docs[length] = fromInto;
      scores[length++] = into.scores[a++]!;
    } else if (fromPostings < fromInto) {
      docs[length] = fromPostings;
      scores[length++] = postings.weights[b++]! * factor;
    } else {
      docs[length] = fromInto;
      scores[length++] = Math.max(into.scores[a++]!, postings.weights[b++]! * factor);
    }
  }
  return { docs, scores, length };
}

/** For each candidate also in `postings`, raises `best[i]` to its score there. */
function intersectBest(candidates: ScoredDocs, postings: Postings, factor: number, best: Float64Array): void {
  const docs = postings.docs;
  const length = postings.length;
  let at = 0;
  for (let i = 0; i < candidates.length && at < length; i++) {
    const doc = candidates.docs[i]!;
    if (docs[at]! < doc) {
      // Gallop: double the step until past `doc`, then binary-search the last step.
      let step = 1;
      while (at + step < length && docs[at + step]! < doc) step *= 2;
      let low = at + (step >>> 1);
      let high = Math.min(at + step, length);
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (docs[middle]! < doc) low = middle + 1;
        else high = middle;
      }
      at = low;
    }
    if (at < length && docs[at] === doc) {
      const score = postings.weights[at]! * factor;
      if (score > best[i]!) best[i] = score;
    }
  }
}

/** A bitset over `size` positions with `positions` set. */
function bitsetOf(positions: ArrayLike<number>, size: number): Uint32Array {
  const bits = new Uint32Array((size >>> 5) + 1);
  for (let i = 0; i < positions.length; i++) {
    const position = positions[i]!;
    bits[position >>> 5]! |= 1 << (position & 31);
  }
  return bits;
}

/** The positions of the set bits of `bits`, ascending, that `keep` (when given) accepts. */
function setBits(bits: Uint32Array, keep?: (position: number) => boolean): number[] {
  const positions: number[] = [];
  for (let word = 0; word < bits.length; word++) {
    let rest = bits[word]!;
    while (rest !== 0) {
      const low = rest & -rest;
      const position = (word << 5) + 31 - Math.clz32(low);
      rest ^= low;
      if (keep === undefined || keep(position)) positions.push(position);
    }
  }
  return positions;
}

/** The first index in [0, length) where `atOrAfter` turns true (it must be monotonic), or `length`. */
function lowerBound(length: number, atOrAfter: (index: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (atOrAfter(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The first `k` items of `items` in `compare` order, without sorting everything when k is small. */
function topK(items: number[], k: number, compare: (a: number, c: number) => number): number[] {
  if (k >= items.length / 4) return [...items].sort(compare).slice(0, k);
  // A max-heap (by `compare`) of the best k seen so far: its root is the worst of them.
  const heap: number[] = [];
  const worse = (a: number, c: number) => compare(a, c) > 0;
  const siftUp = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const siftDown = (i: number) => {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < heap.length && worse(heap[left]!, heap[largest]!)) largest = left;
      if (right < heap.length && worse(heap[right]!, heap[largest]!)) largest = right;
      if (largest === i) return;
      [heap[i], heap[largest]] = [heap[largest]!, heap[i]!];
      i = largest;
    }
  };
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      siftUp(heap.length - 1);
    } else if (k > 0 && compare(item, heap[0]!) < 0) {
      heap[0] = item;
      siftDown(0);
    }
  }
  return heap.sort(compare);
}
