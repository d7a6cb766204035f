// Numbers and prices written the way each language writes them. Pure: no I/O.
import type { Language } from './language.js';

const EN_SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', CAD: 'CA$', AUD: 'A$', MXN: 'MX$', BRL: 'R$', INR: '₹', JPY: '¥' };
const ES_SYMBOLS: Record<string, string> = { USD: 'US$', EUR: '€', GBP: 'GBP', CAD: 'CAD', AUD: 'AUD', MXN: 'MXN', BRL: 'BRL', INR: 'INR', JPY: 'JPY' };
const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'CLP', 'COP', 'HUF']);

function groupDigits(int: string, sep: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

/** en: 1,299.50 · es: 1.299,50 */
export function formatNumber(n: number, language: Language, decimals: number): string {
  const [int, frac] = n.toFixed(decimals).split('.');
  const grouped = groupDigits(int, language === 'es' ? '.' : ',');
  return frac ? `${grouped}${language === 'es' ? ',' : '.'}${frac}` : grouped;
}

/** en: $29.99 · es: 29,99 US$ (whole amounts without decimals: $95, 95 US$). */
export function formatPrice(amount: number, currency: string, language: Language): string {
  const code = (currency || 'USD').toUpperCase();
  const decimals = ZERO_DECIMAL.has(code) || Number.isInteger(Math.round(amount * 100) / 100) ? 0 : 2;
  const num = formatNumber(amount, language, decimals);
  if (language === 'es') return `${num} ${ES_SYMBOLS[code] ?? code}`;
  const sym = EN_SYMBOLS[code];
  return sym ? `${sym}${num}` : `${code} ${num}`;
}
