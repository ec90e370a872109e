import type { Category, Product } from '../../catalogue/product';

/**
 * Judged queries over the demo catalogue (shared/catalogue/demo-catalogue.ts, 2,400 products
 * as seeded): each query with a predicate naming the products it should find. Predicates, not
 * id lists, so the set stays right when the generator changes (new products, variants).
 * An empty relevant set means the query should find nothing (nonsense, or a product the shop
 * does not sell: there are no boots, so `boots` must not return books).
 *
 * Used by shared/search/search-relevance.test.ts (a floor) and `npm run bench -- search`.
 */
export interface JudgedQuery {
  /** Raw `GET /api/search` parameters (q plus any sort/filters); `pageSize` is set to 10 by the scorer. */
  params: Record<string, string>;
  kind:
    | 'exact'
    | 'plural'
    | 'compound'
    | 'synonym'
    | 'typo'
    | 'brand'
    | 'attribute'
    | 'category'
    | 'sort'
    | 'nonsense';
  relevant: (product: Product) => boolean;
}

/** The product's kind: its name after the leading adjective ("Running Shoes"); books have none. */
const noun = (product: Product): string =>
  product.category === 'books' ? '' : product.name.split(' ').slice(1).join(' ');
const isA =
  (...nouns: string[]) =>
  (product: Product) =>
    nouns.includes(noun(product));
const attribute = (product: Product, key: string): string[] => {
  const value = product.attributes[key];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String);
};
const has = (key: string, value: string) => (product: Product) => attribute(product, key).includes(value);
const brand = (name: string) => (product: Product) => product.brand === name;
const inCategory = (category: Category) => (product: Product) => product.category === category;
const all =
  (...tests: ((product: Product) => boolean)[]) =>
  (product: Product) =>
    tests.every((test) => test(product));
const nothing = () => false;

const q = (text: string, extra: Record<string, string> = {}) => ({ q: text, ...extra });

export const judgedQueries: JudgedQuery[] = [
  // Exact words.
  { params: q('jacket'), kind: 'exact', relevant: isA('Jacket') },
  { params: q('hoodie'), kind: 'exact', relevant: isA('Hoodie') },
  { params: q('parka'), kind: 'exact', relevant: isA('Parka') },
  { params: q('cardigan'), kind: 'exact', relevant: isA('Cardigan') },
  { params: q('laptop'), kind: 'exact', relevant: isA('Laptop') },
  { params: q('smartwatch'), kind: 'exact', relevant: isA('Smartwatch') },
  { params: q('racket'), kind: 'exact', relevant: isA('Tennis Racket') },
  { params: q('tennis racket'), kind: 'exact', relevant: isA('Tennis Racket') },
  { params: q('candle'), kind: 'exact', relevant: isA('Candle') },
  { params: q('shampoo'), kind: 'exact', relevant: isA('Shampoo') },
  { params: q('honey'), kind: 'exact', relevant: isA('Honey') },
  { params: q('lantern'), kind: 'exact', relevant: isA('Lantern') },
  { params: q('dark chocolate'), kind: 'exact', relevant: isA('Dark Chocolate') },
  // Plurals and singulars.
  { params: q('jackets'), kind: 'plural', relevant: isA('Jacket') },
  { params: q('hoodies'), kind: 'plural', relevant: isA('Hoodie') },
  { params: q('dresses'), kind: 'plural', relevant: isA('Dress') },
  { params: q('headphone'), kind: 'plural', relevant: isA('Headphones') },
  { params: q('dumbbell'), kind: 'plural', relevant: isA('Dumbbells') },
  { params: q('chino'), kind: 'plural', relevant: isA('Chinos') },
  { params: q('running shoe'), kind: 'plural', relevant: isA('Running Shoes') },
  { params: q('lamps'), kind: 'plural', relevant: isA('Lamp') },
  { params: q('candles'), kind: 'plural', relevant: isA('Candle') },
  { params: q('puzzles'), kind: 'plural', relevant: isA('Puzzle') },
  { params: q('mugs'), kind: 'plural', relevant: isA('Mug Set') },
  { params: q('tents'), kind: 'plural', relevant: isA('Tent') },
  { params: q('pruning shear'), kind: 'plural', relevant: isA('Pruning Shears') },
  // Split and joined words.
  { params: q('smart watch'), kind: 'compound', relevant: isA('Smartwatch') },
  { params: q('smart watches'), kind: 'compound', relevant: isA('Smartwatch') },
  { params: q('tshirt'), kind: 'compound', relevant: isA('T-Shirt') },
  { params: q('t shirt'), kind: 'compound', relevant: isA('T-Shirt') },
  { params: q('t-shirts'), kind: 'compound', relevant: isA('T-Shirt') },
  { params: q('yogamat'), kind: 'compound', relevant: isA('Yoga Mat') },
  { params: q('waterbottle'), kind: 'compound', relevant: isA('Water Bottle') },
  { params: q('dollhouse'), kind: 'compound', relevant: isA('Doll House') },
  { params: q('boardgames'), kind: 'compound', relevant: isA('Board Game') },
  { params: q('racecar'), kind: 'compound', relevant: isA('Race Car') },
  { params: q('birdfeeder'), kind: 'compound', relevant: isA('Bird Feeder') },
  // Synonyms and short words.
  { params: q('tee'), kind: 'synonym', relevant: isA('T-Shirt') },
  { params: q('tees'), kind: 'synonym', relevant: isA('T-Shirt') },
  { params: q('watch'), kind: 'synonym', relevant: isA('Smartwatch') },
  { params: q('watches'), kind: 'synonym', relevant: isA('Smartwatch') },
  { params: q('sneakers'), kind: 'synonym', relevant: isA('Running Shoes') },
  { params: q('earphones'), kind: 'synonym', relevant: isA('Headphones') },
  { params: q('jumper'), kind: 'synonym', relevant: isA('Sweater') },
  { params: q('sunblock'), kind: 'synonym', relevant: isA('Sunscreen') },
  { params: q('bicycle helmet'), kind: 'synonym', relevant: isA('Bike Helmet') },
  { params: q('fragrance'), kind: 'synonym', relevant: isA('Perfume') },
  // Typos (one edit, words of five letters or more).
  { params: q('jaket'), kind: 'typo', relevant: isA('Jacket') },
  { params: q('hodie'), kind: 'typo', relevant: isA('Hoodie') },
  { params: q('headphnes'), kind: 'typo', relevant: isA('Headphones') },
  { params: q('speakr'), kind: 'typo', relevant: isA('Speaker') },
  { params: q('laptpo'), kind: 'typo', relevant: isA('Laptop') },
  { params: q('cardigna'), kind: 'typo', relevant: isA('Cardigan') },
  { params: q('sweatr'), kind: 'typo', relevant: isA('Sweater') },
  { params: q('shampo'), kind: 'typo', relevant: isA('Shampoo') },
  { params: q('dark choclate'), kind: 'typo', relevant: isA('Dark Chocolate') },
  { params: q('monitr'), kind: 'typo', relevant: isA('Monitor') },
  { params: q('midnigth jacket'), kind: 'typo', relevant: (p) => p.name === 'Midnight Jacket' },
  { params: q('vintge parka'), kind: 'typo', relevant: (p) => p.name === 'Vintage Parka' },
  // Brands.
  { params: q('penguin'), kind: 'brand', relevant: brand('Penguin') },
  { params: q('voltra'), kind: 'brand', relevant: brand('Voltra') },
  { params: q('northwear hoodie'), kind: 'brand', relevant: all(brand('Northwear'), isA('Hoodie')) },
  { params: q('loom & thread'), kind: 'brand', relevant: brand('Loom & Thread') },
  { params: q('green valley'), kind: 'brand', relevant: brand('Green Valley') },
  { params: q('peloton gear tent'), kind: 'brand', relevant: all(brand('Peloton Gear'), isA('Tent')) },
  // Attributes.
  { params: q('red hoodie'), kind: 'attribute', relevant: all(isA('Hoodie'), has('colour', 'red')) },
  { params: q('organic cotton'), kind: 'attribute', relevant: has('material', 'organic cotton') },
  { params: q('paperback'), kind: 'attribute', relevant: has('format', 'paperback') },
  {
    params: q('lovelace'),
    kind: 'attribute',
    relevant: (p) => attribute(p, 'author')[0]?.endsWith(' Lovelace') ?? false,
  },
  {
    params: q('bluetooth speaker'),
    kind: 'attribute',
    relevant: all(isA('Speaker'), has('connectivity', 'Bluetooth 5.3')),
  },
  { params: q('lavender'), kind: 'attribute', relevant: has('scent', 'lavender') },
  {
    params: q('terracotta planter'),
    kind: 'attribute',
    relevant: (p) =>
      isA('Planter')(p) && (has('material', 'terracotta')(p) || has('colour', 'terracotta')(p)),
  },
  { params: q('gluten free'), kind: 'attribute', relevant: has('dietary', 'gluten-free') },
  {
    params: q('kenya coffee'),
    kind: 'attribute',
    relevant: all(isA('Coffee Beans'), has('origin', 'Kenya')),
  },
  { params: q('wool rug'), kind: 'attribute', relevant: all(isA('Rug'), has('material', 'wool')) },
  { params: q('mens hoodie'), kind: 'attribute', relevant: all(isA('Hoodie'), has('gender', 'men')) },
  {
    params: q('usb-c charger'),
    kind: 'attribute',
    relevant: all(isA('Charger'), has('connectivity', 'USB-C')),
  },
  // Words the catalogue does not hold next to ones it does: a shopper still wants the products.
  { params: q('winter jacket'), kind: 'attribute', relevant: isA('Jacket') },
  { params: q('cheap laptop'), kind: 'attribute', relevant: isA('Laptop') },
  // Categories.
  { params: q('garden'), kind: 'category', relevant: inCategory('garden') },
  { params: q('books'), kind: 'category', relevant: inCategory('books') },
  { params: q('toys'), kind: 'category', relevant: inCategory('toys') },
  // Sorted: typo-only matches must not be mixed into a sort when exact ones exist.
  { params: q('jacket', { sort: 'price_asc' }), kind: 'sort', relevant: isA('Jacket') },
  { params: q('jacket', { sort: 'price_desc' }), kind: 'sort', relevant: isA('Jacket') },
  { params: q('racket', { sort: 'price_asc' }), kind: 'sort', relevant: isA('Tennis Racket') },
  { params: q('hoodie', { sort: 'newest' }), kind: 'sort', relevant: isA('Hoodie') },
  // Nothing to find.
  { params: q('boots'), kind: 'nonsense', relevant: (p) => /\bboots?\b/i.test(p.name) },
  { params: q('xyzzy'), kind: 'nonsense', relevant: nothing },
  { params: q('qwertyuiop'), kind: 'nonsense', relevant: nothing },
  { params: q('asdfgh'), kind: 'nonsense', relevant: nothing },
  { params: q('purple unicorn'), kind: 'nonsense', relevant: nothing },
  { params: q('flibbertigibbet'), kind: 'nonsense', relevant: nothing },
  { params: q('zzzz'), kind: 'nonsense', relevant: nothing },
];
