const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });
const usdFine = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 6 });
const integer = new Intl.NumberFormat('en-US');

export const formatUsd = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : usd.format(value));
/** Prices per million tokens may have many decimals. */
export const formatPrice = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : usdFine.format(value));
export const formatInt = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : integer.format(value));

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
