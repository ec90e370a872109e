import { categories as productCategories } from '../../shared/catalogue/product';

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Integer minor units + ISO currency -> "$37.99" (fraction digits from the currency). */
export function formatMoney(minor: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}

const units: Array<[RegExp, string, (n: number) => string]> = [
  [/Months$/, '', (n) => `${n} ${n === 1 ? 'month' : 'months'}`],
  [/Hours$/, ' life', (n) => `${n} ${n === 1 ? 'hour' : 'hours'}`],
  [/Grams$/, '', (n) => `${new Intl.NumberFormat().format(n)} g`],
  [/Kg$/, '', (n) => `${n} kg`],
  [/Cm$/, '', (n) => `${n} cm`],
  [/Mm$/, '', (n) => `${n} mm`],
  [/Ml$/, '', (n) => `${n} ml`],
];

/** "warrantyMonths" -> "Warranty", "24 months"; otherwise the plain label and value. */
export function describeAttribute(
  key: string,
  value: string | number | boolean | string[],
): [string, string] {
  if (typeof value === 'number') {
    for (const [suffix, extra, format] of units) {
      if (suffix.test(key) && key.replace(suffix, '')) {
        return [attributeLabel(key.replace(suffix, '')) + extra, format(value)];
      }
    }
  }
  return [attributeLabel(key), attributeValue(value)];
}

/** "isbn13" -> "ISBN-13", "ageRange" -> "Age range", "skinType" -> "Skin type". */
export function attributeLabel(key: string): string {
  const known: Record<string, string> = {
    isbn10: 'ISBN-10',
    isbn13: 'ISBN-13',
    ageRange: 'Age range',
    skinType: 'Skin type',
    colour: 'Colour',
    usb: 'USB',
  };
  if (known[key]) return known[key];
  const words = key
    .replace(/([a-z])([A-Z0-9])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function attributeValue(value: string | number | boolean | string[]): string {
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return new Intl.NumberFormat().format(value);
  return value;
}

export function categoryLabel(category: string): string {
  return category.charAt(0).toUpperCase() + category.slice(1);
}

/**
 * The catalogue's categories, in menu order (the server's own list). Bound here rather than
 * re-exported: a re-export made Vite split the entry chunk in three.
 */
export const categories = productCategories;

export const statusLabels: Record<string, string> = {
  pending_payment: 'Awaiting payment',
  paid: 'Paid',
  shipped: 'Shipped',
  payment_failed: 'Payment failed',
};

/** "14:05" from milliseconds left. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}
