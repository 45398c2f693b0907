import type { UsageRow } from '@switchboard/contracts';

const HEADER = ['key', 'label', 'requests', 'errors', 'inputTokens', 'outputTokens', 'costUsd', 'avgLatencyMs', 'p95LatencyMs'] as const;

/** RFC 4180 quoting; a cell that a spreadsheet would run as a formula is prefixed with an apostrophe. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The rows of a usage table as CSV, with names beside the ids they stand for. */
export function usageCsv(rows: readonly UsageRow[], labelOf: (key: string) => string): string {
  const lines = [HEADER.join(',')];
  for (const r of rows) {
    lines.push(
      [r.key, labelOf(r.key), r.requests, r.errors, r.inputTokens, r.outputTokens, r.costUsd, r.avgLatencyMs, r.p95LatencyMs].map(cell).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Hands the text to the browser as a file download; nothing leaves the browser. */
export function downloadText(fileName: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the click; the URL is only needed until then.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
