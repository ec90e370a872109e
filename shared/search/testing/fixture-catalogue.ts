import type { AttributeValue, Category, Product } from '../../catalogue/product';

/**
 * A small deterministic catalogue for search tests and the benchmark, used while (or where)
 * the shared demo generator is not available. Same seed -> same products.
 */
export function generateFixtureCatalogue(count: number, seed = 42): Product[] {
  const random = mulberry32(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const products: Product[] = [];
  const base = Date.UTC(2024, 0, 1);
  for (let i = 0; i < count; i++) {
    const category = pick(fixtureCategories);
    const noun = pick(nouns[category]);
    const adjective = pick(adjectives);
    const brand = pick(brands[category]);
    const name = `${brand} ${adjective} ${noun} ${serialWord(i)}`;
    const attributes: Record<string, AttributeValue> = {};
    if (category === 'books') {
      attributes.author = pick(authors);
      attributes.pages = 80 + Math.floor(random() * 900);
      attributes.format = pick(['hardcover', 'paperback', 'ebook']);
      attributes.isbn13 = `978${String(1_000_000_000 + i).padStart(10, '0')}`;
    } else if (category === 'apparel') {
      attributes.colour = pick(colours);
      attributes.size = sizes.filter(() => random() < 0.5);
      if ((attributes.size as string[]).length === 0) attributes.size = [pick(sizes)];
      attributes.material = pick(['cotton', 'wool', 'linen', 'polyester']);
    } else if (category === 'electronics') {
      attributes.colour = pick(colours);
      attributes.wireless = random() < 0.5;
      attributes.warrantyYears = 1 + Math.floor(random() * 3);
    } else {
      attributes.colour = pick(colours);
    }
    products.push({
      id: `p-${String(i).padStart(6, '0')}`,
      sku: `SKU-${String(i).padStart(6, '0')}`,
      category,
      name,
      brand,
      description: `A ${adjective} ${noun} by ${brand}. ${pick(blurbs)}`,
      priceMinor: 100 + Math.floor(random() * 50_000),
      currency: 'EUR',
      attributes,
      imageUrl: `https://images.example/${i}.jpg`,
      createdAt: new Date(base + Math.floor(random() * 365) * 86_400_000 + i * 1000).toISOString(),
      updatedAt: new Date(base).toISOString(),
    });
  }
  return products;
}

const fixtureCategories: readonly Category[] = ['books', 'apparel', 'electronics', 'home', 'toys'];
const brands: Record<Category, readonly string[]> = {
  books: ['Penguin', 'Harper', 'Vintage', 'Orbit'],
  apparel: ['Northwind', 'Fabrikam', 'Contoso', 'Tailspin'],
  electronics: ['Voltix', 'Lumina', 'Sonorix', 'Quantra'],
  home: ['Hearthly', 'Nestwell', 'Oakden'],
  toys: ['Playwise', 'Tinkerly', 'Bricko'],
  sports: ['Stride'],
  beauty: ['Glowa'],
  grocery: ['Harvest'],
  garden: ['Greenly'],
};
const nouns: Record<Category, readonly string[]> = {
  books: ['novel', 'cookbook', 'atlas', 'biography', 'anthology', 'thriller'],
  apparel: ['jacket', 'sweater', 'trousers', 'scarf', 'hoodie', 'blouse'],
  electronics: ['headphones', 'speaker', 'keyboard', 'monitor', 'charger', 'camera'],
  home: ['teapot', 'blanket', 'lantern', 'cushion', 'skillet'],
  toys: ['puzzle', 'robot', 'kite', 'dollhouse', 'marbles'],
  sports: ['racket'],
  beauty: ['serum'],
  grocery: ['coffee'],
  garden: ['trowel'],
};
const adjectives = ['classic', 'vintage', 'compact', 'deluxe', 'rugged', 'elegant', 'bright', 'quiet'];
const colours = ['red', 'blue', 'green', 'black', 'white', 'navy', 'olive'];
const sizes = ['XS', 'S', 'M', 'L', 'XL'];
const authors = ['Ada Lovelace', 'Mary Shelley', 'Jules Verne', 'Octavia Butler', 'Italo Calvino'];
const blurbs = [
  'Made to last.',
  'A customer favourite.',
  'Ships in recycled packaging.',
  'Designed in Lisbon.',
  "Perfect for the season's adventures.",
];

/** A pronounceable, unique-ish word per product so single products can be targeted by text. */
function serialWord(n: number): string {
  const consonants = 'bdfgklmnprstvz';
  const vowels = 'aeiou';
  let word = '';
  let value = n + 1000;
  while (value > 0) {
    word += consonants[value % consonants.length];
    value = Math.floor(value / consonants.length);
    word += vowels[value % vowels.length];
    value = Math.floor(value / vowels.length);
  }
  return word;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
