import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

interface BarChartProps {
  /** Read by assistive tech; the figures themselves are in the table beside the chart. */
  readonly label: string;
  /** One bar per entry: a day (`YYYY-MM-DD`, drawn on a UTC time axis) or a name. */
  readonly keys: readonly string[];
  readonly values: readonly (number | null)[];
  readonly axis: 'days' | 'names';
  readonly seriesLabel: string;
  readonly height?: number;
}

const ACCENT = '#0b5cad';
const DAY_S = 86_400;
const DAY_STEPS = [DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 28 * DAY_S, 91 * DAY_S];
const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');
const secondsOf = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

function dayRange(days: readonly string[]): uPlot.Range.MinMax {
  const first = days[0] === undefined ? Date.now() / 1000 : secondsOf(days[0]);
  const last = days.at(-1) === undefined ? first : secondsOf(days.at(-1) as string);
  return [first - DAY_S / 2, last + DAY_S / 2];
}

function optionsFor({ keys, axis, seriesLabel, height = 220 }: BarChartProps, width: number): uPlot.Options {
  const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
  const names = axis === 'names';
  return {
    width,
    height,
    tzDate: utc,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    // Half a bar's slot on each side, so the first and last bars are drawn whole.
    scales: names ? { x: { time: false, range: [-0.5, Math.max(0.5, keys.length - 0.5)] } } : { x: { time: true, range: dayRange(keys) } },
    axes: [
      names
        ? { splits: () => keys.map((_, i) => i), values: (_u, splits) => splits.map((i) => keys[i] ?? '') }
        : { space: 36, incrs: DAY_STEPS, values: (_u, splits) => splits.map((ts) => new Date(ts * 1000).toISOString().slice(5, 10)) },
      { size: 60 },
    ],
    series: [{}, { label: seriesLabel, stroke: ACCENT, fill: `${ACCENT}99`, width: 1, ...(bars ? { paths: bars } : {}), points: { show: false } }],
  };
}

function dataFor({ keys, values, axis }: BarChartProps): uPlot.AlignedData {
  const xs = axis === 'days' ? keys.map(secondsOf) : keys.map((_, i) => i);
  return [xs, values.map((v) => v ?? null)];
}

/** A bar chart drawn by uPlot on a canvas; it is rebuilt when its figures change and follows its box's width. */
export function BarChart(props: BarChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const { label, keys, values, axis, seriesLabel, height } = props;

  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const chartProps = { label, keys, values, axis, seriesLabel, ...(height === undefined ? {} : { height }) };
    const chart = new uPlot(optionsFor(chartProps, element.clientWidth || 480), dataFor(chartProps), element);
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth || 480, height: height ?? 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [label, keys, values, axis, seriesLabel, height]);

  return <div ref={box} className="usage-chart" role="img" aria-label={label} />;
}
