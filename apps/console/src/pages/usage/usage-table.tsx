import type { UsageRow } from '@switchboard/contracts';
import { Button, Table, formatInt, formatPrice, type Column } from '../../ui';
import { downloadText, usageCsv } from './usage-csv';

const ms = (value: number | null) => (value === null ? '—' : formatInt(Math.round(value)));

interface UsageTableProps {
  readonly caption: string;
  /** The first column's heading: Day, Provider, Model or Agent. */
  readonly keyHeader: string;
  readonly rows: readonly UsageRow[];
  readonly labelOf: (key: string) => string;
  /** The CSV file's name, without extension. */
  readonly fileName: string;
}

/** A chart's figures as text, and the same rows as a CSV download. */
export function UsageTable({ caption, keyHeader, rows, labelOf, fileName }: UsageTableProps) {
  const columns: readonly Column<UsageRow>[] = [
    { header: keyHeader, cell: (r) => labelOf(r.key) },
    { header: 'Requests', cell: (r) => formatInt(r.requests), numeric: true },
    { header: 'Errors', cell: (r) => formatInt(r.errors), numeric: true },
    { header: 'Tokens', cell: (r) => formatInt(r.inputTokens + r.outputTokens), numeric: true },
    { header: 'Cost', cell: (r) => formatPrice(r.costUsd), numeric: true },
    { header: 'p95 ms', cell: (r) => ms(r.p95LatencyMs), numeric: true },
  ];
  return (
    <div className="usage-figures">
      <div className="usage-table">
        <Table caption={caption} columns={columns} rows={rows} rowKey={(r) => r.key} empty="No calls in this range." />
      </div>
      <Button disabled={rows.length === 0} onClick={() => downloadText(`${fileName}.csv`, usageCsv(rows, labelOf))}>
        Export CSV
      </Button>
    </div>
  );
}
