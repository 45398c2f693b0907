import { formatUsd } from './format';

interface GaugeProps {
  readonly label: string;
  readonly spent: number;
  readonly reserved: number;
  /** null: no limit, only the amounts are shown. */
  readonly limit: number | null;
  readonly exhausted?: boolean;
}

const percent = (part: number, whole: number) => Math.max(0, Math.min(100, (part / whole) * 100));

/** Spent and reserved against a limit, as a bar and as text (the text is what assistive tech and tests read). */
export function Gauge({ label, spent, reserved, limit, exhausted = false }: GaugeProps) {
  const text =
    limit === null
      ? `${formatUsd(spent)} spent, ${formatUsd(reserved)} reserved, no limit`
      : `${formatUsd(spent)} spent, ${formatUsd(reserved)} reserved of ${formatUsd(limit)}${exhausted ? ' — exhausted' : ''}`;
  return (
    <div className="gauge" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={limit ?? undefined} aria-valuenow={spent + reserved} aria-valuetext={text}>
      {limit !== null && limit > 0 ? (
        <div className={exhausted ? 'gauge-track exhausted' : 'gauge-track'} aria-hidden="true">
          <div className="gauge-spent" style={{ width: `${percent(spent, limit)}%` }} />
          <div className="gauge-reserved" style={{ width: `${percent(reserved, limit)}%` }} />
        </div>
      ) : null}
      <span className="gauge-text">{text}</span>
    </div>
  );
}
