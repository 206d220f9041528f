// Each web vital's share of good / needs-improvement / poor page views, as stacked bars
// (thresholds as in web-vitals: LCP 2500/4000 ms, INP 200/500 ms, CLS 0.1/0.25 …).
import { h } from '../dom.js';
import { METRIC_NAMES, percent } from '../format.js';

const RATINGS = [['good', 'Good'], ['ni', 'Needs improvement'], ['poor', 'Poor']];

export const ratings = {
  name: 'ratings',
  answer: 'ratings',
  empty: (data) => Object.values(data.ratings).every((r) => !(r.good + r.ni + r.poor)),
  emptyMessage: 'No web-vitals measurements in this range.',
  render(body, data) {
    const rows = Object.entries(data.ratings).map(([vital, counts]) => {
      const total = counts.good + counts.ni + counts.poor;
      const bar = h('div', { class: 'stack', role: 'img',
        'aria-label': RATINGS.map(([k, name]) => `${name} ${percent(counts[k], total)}`).join(', ') });
      for (const [key, name] of RATINGS) {
        const segment = h('span', { class: `seg ${key}`, title: `${name}: ${counts[key]}`,
          'data-rating': key, 'data-value': counts[key] });
        segment.style.width = total ? `${(100 * counts[key]) / total}%` : '0';
        bar.append(segment);
      }
      return h('div', { class: 'rating', 'data-vital': vital },
        h('span', { class: 'label' }, METRIC_NAMES[vital]), bar,
        h('span', { class: 'shares' }, total ? RATINGS.map(([k]) => percent(counts[k], total)).join(' · ') : 'no data'));
    });
    body.replaceChildren(...rows,
      h('p', { class: 'legend' }, RATINGS.map(([key, name]) => h('span', { class: `key ${key}` }, name))));
  },
};
