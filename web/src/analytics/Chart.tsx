// The one module that imports uPlot: loaded with React.lazy by the analytics page only.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export type Line = { label: string; values: number[]; color: string; bars?: boolean };

// A time-series chart of `days` (YYYY-MM-DD) as wide as its container. The numbers are also in
// the page as text (cards and tables), so the canvas is labelled as an image with its summary.
export default function Chart({ title, days, lines, format }: { title: string; days: string[]; lines: Line[]; format?: (v: number) => string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const width = () => Math.max(240, Math.floor(el.clientWidth));
    const plot = new uPlot(
      {
        width: width(),
        height: 200,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [
          { stroke: '#aaa', grid: { stroke: '#333' } },
          { stroke: '#aaa', grid: { stroke: '#333' }, size: 72, values: (_u, vals) => vals.map((v) => (format ? format(v) : String(v))) },
        ],
        series: [
          {},
          ...lines.map((l) => ({
            label: l.label,
            stroke: l.color,
            width: 2,
            fill: l.bars ? `${l.color}55` : undefined,
            paths: l.bars ? uPlot.paths.bars!({ size: [0.7, 40] }) : undefined,
            value: (_u: uPlot, v: number | null) => (v == null ? '–' : format ? format(v) : String(v)),
          })),
        ],
      },
      [xs, ...lines.map((l) => l.values)],
      el,
    );
    const ro = new ResizeObserver(() => plot.setSize({ width: width(), height: 200 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [days, lines, format]);
  return <div ref={box} className="chart" role="img" aria-label={title} data-testid="analytics-chart" />;
}
