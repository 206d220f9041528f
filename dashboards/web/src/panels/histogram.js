// How the selected metric's values are spread: equal bins up to its p99, then the rest.
import { bars } from '../charts.js';
import { unitOf, value } from '../format.js';

export const histogram = {
  name: 'histogram',
  answer: 'histogram',
  rollupOnly: true,
  empty: (data) => !data.bins.some((bin) => bin.views),
  render(body, data, state) {
    const x = data.bins.map((bin) => bin.from);
    const label = (v) => (v === x[x.length - 1] ? `≥ ${value(v, state.metric)}` : value(v, state.metric));
    bars(body, x, data.bins.map((bin) => bin.views), {
      label: 'page views', unit: 'views',
      xValues: (u, splits) => splits.map(label),
    });
    body.dataset.unit = unitOf(state.metric);
  },
};
