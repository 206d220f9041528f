// uPlot charts in the page's colours (light or dark), resized with their container.
import uPlot from 'uplot';

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });
const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
export const PALETTE = ['--p50', '--p75', '--p95', '--p99'];

const axes = (unit, xValues) => {
  const stroke = css('--muted');
  const grid = { stroke: css('--grid'), width: 1 };
  return [
    { stroke, grid, ticks: grid, ...(xValues ? { values: xValues } : {}) },
    {
      stroke, grid, ticks: grid, size: 70,
      label: unit, labelSize: 18,
      values: (u, splits) => splits.map((v) => (unit === 'ms' ? `${grouped.format(v)} ms` : grouped.format(v))),
    },
  ];
};

const mount = (container, options, data) => {
  container.replaceChildren();
  const width = () => Math.max(280, container.clientWidth);
  const chart = new uPlot(
    { width: width(), height: options.height || 260, padding: [12, 28, 0, 0], ...options }, data, container);
  new ResizeObserver(() => chart.setSize({ width: width(), height: chart.height })).observe(container);
  return chart;
};

// Lines over time: `lines` is [{label, values, colour, dashed}].
export const timeSeries = (container, times, lines, unit, range) =>
  mount(container, {
    scales: { x: { time: true, range: () => range } },
    axes: axes(unit),
    series: [
      {},
      ...lines.map((line) => ({
        label: line.label,
        stroke: css(line.colour),
        width: 2,
        dash: line.dashed ? [6, 4] : undefined,
        spanGaps: false,
        value: (u, v) => (v == null ? '–' : unit === 'ms' ? `${Math.round(v)} ms` : v.toFixed(3)),
      })),
    ],
  }, [times, ...lines.map((line) => line.values)]);

// Bars: `x` positions, one series of heights; `range` fixes the x axis (a time window).
export const bars = (container, x, heights, { label, unit, time = false, xValues, range }) => {
  const half = (x[1] - x[0] || 1) / 2;
  return mount(container, {
    height: 220,
    scales: { x: { time, range: (u, min, max) => (range ? [range[0] - half, range[1]] : [min - half, max + half]) } },
    axes: axes(unit, xValues),
    legend: { show: true },
    series: [
      {},
      { label, fill: css('--bar'), stroke: css('--bar'), paths: uPlot.paths.bars({ size: [0.8, 60] }), points: { show: false } },
    ],
  }, [x, heights]);
};
