import type { Product } from './product';

const palette: Record<string, [string, string]> = {
  books: ['#3b4a6b', '#f2c14e'],
  apparel: ['#7a3b69', '#f7d6e0'],
  electronics: ['#1f2933', '#5fd3f3'],
  home: ['#6b4f3b', '#f3e9dc'],
  toys: ['#e4572e', '#ffc914'],
  sports: ['#2e7d32', '#c8e6c9'],
  beauty: ['#b5838d', '#ffe5d9'],
  grocery: ['#386641', '#f2e8cf'],
  garden: ['#4f772d', '#ecf39e'],
};

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A product picture drawn from its data: made locally, nothing downloaded. */
export function productImageSvg(product: Product): string {
  const [background, accent] = palette[product.category] ?? ['#444', '#eee'];
  const initials = product.name
    .split(/\s+/)
    .filter((word) => /^[A-Za-z]/.test(word))
    .slice(0, 2)
    .map((word) => word[0]!.toUpperCase())
    .join('');
  const seed = [...product.id].reduce((acc, c) => acc + c.charCodeAt(0), 0);
  const cx = 60 + (seed % 280);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" role="img" aria-label="${escapeXml(product.name)}">
<rect width="400" height="400" fill="${background}"/>
<circle cx="${cx}" cy="${90 + (seed % 60)}" r="${70 + (seed % 50)}" fill="${accent}" opacity="0.35"/>
<text x="200" y="230" font-family="system-ui, sans-serif" font-size="120" font-weight="700" text-anchor="middle" fill="${accent}">${escapeXml(initials)}</text>
<text x="200" y="330" font-family="system-ui, sans-serif" font-size="22" text-anchor="middle" fill="#ffffff">${escapeXml(product.category.toUpperCase())}</text>
</svg>`;
}
