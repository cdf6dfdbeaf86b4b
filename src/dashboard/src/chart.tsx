/**
 * A small React wrapper around uPlot (DASHBOARD.md §c): mount once, `setData` on change, resize with the
 * container. X values are bucket indexes; the labels (local days or hours) are drawn on the axis.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: number[];
  color: string;
}

export function Chart(props: {
  title: string;
  labels: string[];
  series: Series[];
  bars?: boolean;
  format?: (value: number) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { labels, series, bars, format, title } = props;
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = Math.max(280, element.clientWidth);
    const options: uPlot.Options = {
      width,
      height: 220,
      title,
      scales: { x: { time: false, range: () => [-0.5, Math.max(0.5, labels.length - 0.5)] } },
      axes: [
        // One label per bucket: fractional splits get none.
        {
          values: (_u, splits) =>
            splits.map((index) => (Number.isInteger(index) ? (labels[index] ?? '') : '')),
        },
        { values: (_u, splits) => splits.map((value) => (format ? format(value) : String(value))), size: 70 },
      ],
      series: [
        {},
        ...series.map((entry) => ({
          label: entry.label,
          stroke: entry.color,
          fill: bars ? entry.color + '99' : undefined,
          width: bars ? 0 : 2,
          paths: bars ? uPlot.paths.bars?.({ size: [0.7, 60] }) : undefined,
          value: (_u: uPlot, value: number | null) =>
            value === null ? '—' : format ? format(value) : String(value),
        })),
      ],
    };
    const data: uPlot.AlignedData = [
      labels.map((_label, index) => index),
      ...series.map((entry) => entry.values),
    ];
    plot.current = new uPlot(options, data, element);
    const observer = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(280, element.clientWidth), height: 220 }),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [labels, series, bars, format, title]);
  return <div className="chart" ref={box} aria-label={title} />;
}
