/** One line under each category's name (home tiles and category pages). */
export const categoryBlurbs: Record<string, string> = {
  books: 'Fiction, science and cookbooks',
  apparel: 'Hoodies, tees and jackets',
  electronics: 'Audio, wearables and gadgets',
  home: 'Lamps, linen and kitchen',
  toys: 'Puzzles, kits and plush',
  sports: 'Gear for every game',
  beauty: 'Skin, hair and scent',
  grocery: 'Pantry and treats',
  garden: 'Tools, seeds and pots',
};
