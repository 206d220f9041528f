// Units on every number: milliseconds for timings, a unitless score for CLS.
const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const precise = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

export const METRIC_NAMES = {
  load: 'Page load', ttfb: 'TTFB', fcp: 'FCP', lcp: 'LCP', inp: 'INP', cls: 'CLS',
};

export const metricLabel = (metric) =>
  metric.startsWith('st:') ? `Server-Timing “${metric.slice(3)}”` : METRIC_NAMES[metric] || metric;

export const unitOf = (metric) => (metric === 'cls' ? '' : 'ms');

export const value = (v, metric) => {
  if (v == null) return '–';
  return metric === 'cls' ? precise.format(v) : `${grouped.format(v)} ms`;
};

export const count = (n) => grouped.format(n);

export const percent = (part, whole) => (whole ? `${Math.round((1000 * part) / whole) / 10}%` : '–');

export const change = (now, before) => {
  if (before == null || before === 0) return 'no data in the previous period';
  if (now == null) return '';
  const delta = Math.round((1000 * (now - before)) / before) / 10;
  return `${delta > 0 ? '+' : ''}${delta}% vs previous period`;
};

export const when = (iso) => new Date(iso).toLocaleString();
