import { type AttributeValue, type Category, categories, type Product, type Variant } from './product';
import { sortVariants } from './variants';

/** Mulberry32: a tiny deterministic PRNG, so the same seed always gives the same shop. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    some: <T>(items: readonly T[], count: number): T[] => {
      const pool = [...items];
      const chosen: T[] = [];
      while (chosen.length < count && pool.length > 0)
        chosen.push(pool.splice(Math.floor(next() * pool.length), 1)[0] as T);
      return chosen;
    },
  };
}
type Rng = ReturnType<typeof random>;

const adjectives = [
  'Classic',
  'Modern',
  'Essential',
  'Premium',
  'Everyday',
  'Compact',
  'Deluxe',
  'Vintage',
  'Urban',
  'Coastal',
  'Alpine',
  'Midnight',
  'Sunlit',
  'Rustic',
  'Nordic',
  'Golden',
];
const colours = [
  'black',
  'white',
  'navy',
  'red',
  'green',
  'grey',
  'beige',
  'blue',
  'pink',
  'olive',
  'burgundy',
  'mustard',
];
const firstNames = [
  'Ada',
  'Grace',
  'Alan',
  'Maya',
  'Jonas',
  'Priya',
  'Tomas',
  'Lena',
  'Hiro',
  'Zadie',
  'Omar',
  'Ines',
  'Kofi',
  'Mira',
  'Rafael',
  'Sofia',
];
const lastNames = [
  'Lovelace',
  'Hopper',
  'Okafor',
  'Lindqvist',
  'Tanaka',
  'Moreau',
  'Costa',
  'Novak',
  'Adeyemi',
  'Ishikawa',
  'Fischer',
  'Quinn',
  'Haddad',
  'Rossi',
];
const bookNouns = [
  'River',
  'Garden',
  'Algorithm',
  'Winter',
  'Lighthouse',
  'Engine',
  'Orchard',
  'Harbour',
  'Compass',
  'Atlas',
  'Silence',
  'Kingdom',
  'Circuit',
  'Meadow',
  'Voyage',
  'Archive',
];
const bookForms = [
  'The {n} of {m}',
  'A {a} {n}',
  '{n} and {m}',
  'Beyond the {n}',
  'The Last {n}',
  'Notes on the {n}',
];

interface CategorySpec {
  brands: string[];
  nouns: string[];
  price: [number, number];
  attributes: (rng: Rng, serial: number) => Record<string, AttributeValue>;
  describe: (name: string, attributes: Record<string, AttributeValue>) => string;
}

function isbn10(rng: Rng): string {
  const digits = Array.from({ length: 9 }, () => rng.int(0, 9));
  const sum = digits.reduce((acc, d, i) => acc + d * (10 - i), 0);
  const check = (11 - (sum % 11)) % 11;
  return digits.join('') + (check === 10 ? 'X' : String(check));
}

function isbn13(rng: Rng): string {
  const digits = [9, 7, 8, ...Array.from({ length: 9 }, () => rng.int(0, 9))];
  const sum = digits.reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 1 : 3), 0);
  return digits.join('') + String((10 - (sum % 10)) % 10);
}

const specs: Record<Category, CategorySpec> = {
  books: {
    brands: ['Penguin', 'Faber', 'Vintage Press', 'Harbour Books', 'Oakleaf', 'Northwind Publishing'],
    nouns: bookNouns,
    price: [799, 3999],
    attributes: (rng) => ({
      author: `${rng.pick(firstNames)} ${rng.pick(lastNames)}`,
      isbn10: isbn10(rng),
      isbn13: isbn13(rng),
      pages: rng.int(96, 880),
      format: rng.pick(['hardcover', 'paperback', 'ebook']),
      language: rng.pick(['English', 'English', 'English', 'French', 'German', 'Spanish']),
      genre: rng.pick(['fiction', 'mystery', 'science', 'history', 'biography', 'fantasy', 'cooking']),
    }),
    describe: (name, a) => `${name} by ${a.author}: a ${a.pages}-page ${a.genre} ${a.format}.`,
  },
  apparel: {
    brands: ['Northwear', 'Loom & Thread', 'Kestrel', 'Marlow', 'Tidewater', 'Fjell'],
    nouns: [
      'T-Shirt',
      'Hoodie',
      'Jacket',
      'Jeans',
      'Sweater',
      'Dress',
      'Chinos',
      'Parka',
      'Polo',
      'Cardigan',
    ],
    price: [1499, 24999],
    attributes: (rng) => ({
      size: rng.some(['XS', 'S', 'M', 'L', 'XL', 'XXL'], rng.int(3, 6)),
      colour: rng.pick(colours),
      material: rng.pick(['cotton', 'organic cotton', 'wool', 'linen', 'polyester', 'denim', 'merino']),
      fit: rng.pick(['slim', 'regular', 'relaxed']),
      gender: rng.pick(['women', 'men', 'unisex']),
    }),
    describe: (name, a) => `${name} in ${a.colour} ${a.material}, ${a.fit} fit.`,
  },
  electronics: {
    brands: ['Voltra', 'Lumen', 'Cobalt', 'Auralis', 'Quanta', 'Nimbus'],
    nouns: [
      'Headphones',
      'Speaker',
      'Laptop',
      'Tablet',
      'Smartwatch',
      'Monitor',
      'Keyboard',
      'Camera',
      'Router',
      'Charger',
    ],
    price: [1999, 199999],
    attributes: (rng) => ({
      model: `${rng.pick(['X', 'Pro', 'S', 'Air', 'Max'])}-${rng.int(100, 999)}`,
      warrantyMonths: rng.pick([12, 24, 36]),
      batteryHours: rng.int(4, 40),
      weightGrams: rng.int(80, 2400),
      connectivity: rng.some(['Bluetooth 5.3', 'Wi-Fi 6', 'USB-C', 'NFC', 'HDMI'], rng.int(1, 3)),
      colour: rng.pick(['black', 'silver', 'white', 'graphite']),
    }),
    describe: (name, a) =>
      `${name} (${a.model}) with ${a.batteryHours}h battery and ${a.warrantyMonths}-month warranty.`,
  },
  home: {
    brands: ['Hearth', 'Casa Bella', 'Oak & Ash', 'Linden', 'Morrow'],
    nouns: [
      'Lamp',
      'Throw Blanket',
      'Vase',
      'Cushion',
      'Mug Set',
      'Chair',
      'Rug',
      'Mirror',
      'Clock',
      'Candle',
    ],
    price: [999, 59999],
    attributes: (rng) => ({
      material: rng.pick(['oak', 'ceramic', 'glass', 'wool', 'cotton', 'steel', 'bamboo']),
      colour: rng.pick(colours),
      room: rng.pick(['living room', 'bedroom', 'kitchen', 'office', 'bathroom']),
      widthCm: rng.int(10, 220),
    }),
    describe: (name, a) => `${name} in ${a.material} for the ${a.room}.`,
  },
  toys: {
    brands: ['Brightblock', 'Tumble', 'Kite & Co', 'Pip', 'Wonderworks'],
    nouns: [
      'Building Set',
      'Puzzle',
      'Plush Bear',
      'Race Car',
      'Board Game',
      'Robot Kit',
      'Doll House',
      'Train Set',
    ],
    price: [999, 14999],
    attributes: (rng) => ({
      ageRange: rng.pick(['0-2', '3-5', '6-8', '8-12', '12+']),
      pieces: rng.int(1, 1500),
      batteriesRequired: rng.next() < 0.3,
      material: rng.pick(['wood', 'plastic', 'fabric', 'cardboard']),
    }),
    describe: (name, a) => `${name} for ages ${a.ageRange}, ${a.pieces} pieces.`,
  },
  sports: {
    brands: ['Stride', 'Summit', 'Aqualine', 'Peloton Gear', 'Trailhead'],
    nouns: [
      'Running Shoes',
      'Yoga Mat',
      'Tennis Racket',
      'Backpack',
      'Water Bottle',
      'Bike Helmet',
      'Dumbbells',
      'Tent',
    ],
    price: [1299, 49999],
    attributes: (rng) => ({
      sport: rng.pick(['running', 'yoga', 'tennis', 'hiking', 'cycling', 'swimming', 'fitness']),
      size: rng.some(['S', 'M', 'L', 'XL'], rng.int(1, 4)),
      colour: rng.pick(colours),
      weightGrams: rng.int(100, 9000),
    }),
    describe: (name, a) => `${name} built for ${a.sport}.`,
  },
  beauty: {
    brands: ['Lumiere', 'Botanica', 'Velvet', 'Pure Ritual', 'Solstice'],
    nouns: ['Face Cream', 'Shampoo', 'Lip Balm', 'Serum', 'Perfume', 'Body Lotion', 'Sunscreen'],
    price: [499, 12999],
    attributes: (rng) => ({
      volumeMl: rng.pick([15, 30, 50, 100, 250, 500]),
      skinType: rng.pick(['all', 'dry', 'oily', 'sensitive', 'combination']),
      vegan: rng.next() < 0.5,
      scent: rng.pick(['unscented', 'lavender', 'citrus', 'rose', 'sandalwood', 'vanilla']),
    }),
    describe: (name, a) => `${name}, ${a.volumeMl} ml, for ${a.skinType} skin.`,
  },
  grocery: {
    brands: ['Harvest', 'Green Valley', 'Old Mill', 'Sunrise Farm', 'Tierra'],
    nouns: [
      'Coffee Beans',
      'Olive Oil',
      'Dark Chocolate',
      'Green Tea',
      'Honey',
      'Pasta',
      'Granola',
      'Hot Sauce',
    ],
    price: [299, 3999],
    attributes: (rng) => ({
      weightGrams: rng.pick([100, 250, 500, 750, 1000]),
      organic: rng.next() < 0.4,
      origin: rng.pick(['Italy', 'Colombia', 'Kenya', 'Japan', 'Mexico', 'Greece', 'India']),
      dietary: rng.some(['vegan', 'gluten-free', 'nut-free', 'kosher'], rng.int(0, 2)),
    }),
    describe: (name, a) => `${name} from ${a.origin}, ${a.weightGrams} g.`,
  },
  garden: {
    brands: ['Greenthumb', 'Bloom', 'Terra Tools', 'Willow', 'Fernwood'],
    nouns: [
      'Trowel',
      'Planter',
      'Hose',
      'Seed Kit',
      'Pruning Shears',
      'Watering Can',
      'Bird Feeder',
      'Lantern',
    ],
    price: [699, 19999],
    attributes: (rng) => ({
      material: rng.pick(['steel', 'terracotta', 'recycled plastic', 'cedar', 'copper']),
      outdoor: true,
      colour: rng.pick(['green', 'black', 'terracotta', 'grey', 'natural']),
      season: rng.pick(['spring', 'summer', 'autumn', 'all year']),
    }),
    describe: (name, a) => `${name} in ${a.material}, for ${a.season}.`,
  },
};

function productName(rng: Rng, category: Category, spec: CategorySpec): string {
  if (category === 'books') {
    return rng
      .pick(bookForms)
      .replace('{n}', rng.pick(bookNouns))
      .replace('{m}', rng.pick(bookNouns))
      .replace('{a}', rng.pick(adjectives));
  }
  return `${rng.pick(adjectives)} ${rng.pick(spec.nouns)}`;
}

/** A product id from its serial: stable, sortable, and the same everywhere. */
export function demoProductId(serial: number): string {
  return `p-${String(serial).padStart(6, '0')}`;
}

/**
 * Generates `count` realistic products, spread over every category, deterministically
 * (the same count and seed always give the same catalogue). Images are generated SVG
 * served by the image function; nothing is downloaded. Products that list sizes (apparel,
 * sports goods) are sold by size (`variants`) unless `options.variants` is false, which gives
 * the catalogue as it was before variants (every product one SKU).
 */
export function generateCatalogue(
  count: number,
  seed = 20261122,
  options: { variants?: boolean } = {},
): Product[] {
  const withVariants = options.variants ?? true;
  const rng = random(seed);
  const epoch = Date.UTC(2026, 0, 1);
  const products: Product[] = [];
  for (let serial = 1; serial <= count; serial++) {
    const category = categories[(serial - 1) % categories.length] as Category;
    const spec = specs[category];
    const name = productName(rng, category, spec);
    const attributes = spec.attributes(rng, serial);
    const id = demoProductId(serial);
    const createdAt = new Date(epoch + serial * 3_600_000 + rng.int(0, 3_599_999)).toISOString();
    // Round to .99 endings the way shops price things.
    const price = Math.max(99, Math.round(rng.int(spec.price[0], spec.price[1]) / 100) * 100 - 1);
    products.push({
      id,
      sku: `SKU-${String(serial).padStart(6, '0')}`,
      category,
      name,
      brand: rng.pick(spec.brands),
      description: spec.describe(name, attributes),
      priceMinor: price,
      currency: 'USD',
      attributes,
      ...(withVariants ? sizedVariants(serial, name, attributes, price) : {}),
      imageUrl: `/api/products/${id}/image`,
      createdAt,
      updatedAt: createdAt,
    });
  }
  return products;
}

const shoeSizes = ['5', '6', '7', '8', '9', '10', '11', '12', '13'];

/**
 * A product that lists sizes is sold by size: one variant per size (its SKU the product's plus
 * the size), in the product's one colour. Running shoes take shoe sizes instead of letters; the
 * largest letter sizes cost 2.00 more. Drawn from a generator of their own (seeded by the
 * serial), so adding variants left every other generated value as it was.
 */
function sizedVariants(
  serial: number,
  name: string,
  attributes: Record<string, AttributeValue>,
  price: number,
): { variants?: Variant[] } {
  const sizes = attributes.size;
  if (!Array.isArray(sizes) || sizes.length === 0) return {};
  const rng = random(0x5eed + serial);
  if (name.endsWith('Running Shoes')) {
    const first = rng.int(0, 3);
    attributes.size = shoeSizes.slice(first, first + rng.int(4, 6));
  }
  const colour = typeof attributes.colour === 'string' ? attributes.colour : undefined;
  const variants = (attributes.size as string[]).map((size): Variant => {
    const variant: Variant = {
      sku: `SKU-${String(serial).padStart(6, '0')}-${size}`,
      options: colour ? { size, colour } : { size },
    };
    if (size === 'XL' || size === 'XXL') variant.priceMinor = price + 200;
    return variant;
  });
  const sorted = sortVariants(variants);
  attributes.size = sorted.map((v) => v.options.size);
  return { variants: sorted };
}

/** Starting stock for a demo product: mostly plenty, some scarce, a few sold out. */
export function demoStartingStock(product: Product, seed = 7): number {
  const rng = random(seed + Number(product.id.slice(2)));
  const roll = rng.next();
  if (roll < 0.03) return 0;
  if (roll < 0.15) return rng.int(1, 5);
  return rng.int(20, 500);
}

/**
 * The starting inventory rows of a demo product: one for its SKU, or one per variant (each
 * with its own count: about one in eight sold out, some scarce), deterministically.
 */
export function demoStartingInventory(
  product: Product,
): Array<{ sku: string; productId: string; onHand: number }> {
  if (!product.variants?.length) {
    return [{ sku: product.sku, productId: product.id, onHand: demoStartingStock(product) }];
  }
  const rng = random(11 + Number(product.id.slice(2)));
  return product.variants.map((variant) => {
    const roll = rng.next();
    const onHand = roll < 0.12 ? 0 : roll < 0.3 ? rng.int(1, 5) : rng.int(10, 120);
    return { sku: variant.sku, productId: product.id, onHand };
  });
}
