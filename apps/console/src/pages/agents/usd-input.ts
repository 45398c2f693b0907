/**
 * A "Monthly budget (USD)" field's text as the API takes it: empty means no budget (null), a number is sent as
 * one, and anything else is sent as typed so the API's own message ("must be a number") shows beside the field.
 */
export function budgetFromInput(text: string): number | null | string {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

export const budgetToInput = (value: number | null | undefined): string => (value === null || value === undefined ? '' : String(value));
