// The selected percentiles over time, the previous period dashed, and the volume.
import { bars, PALETTE, timeSeries } from '../charts.js';
import { h } from '../dom.js';
import { change, count, metricLabel, unitOf, value } from '../format.js';

const seconds = (iso) => Date.parse(iso) / 1000;
// The x axis spans the whole window asked for, however few points it holds.
const span = (data) => [seconds(data.from), seconds(data.to)];

export const summary = {
  name: 'summary',
  answer: 'percentiles',
  empty: (data) => !data.total.views,
  render(body, data, state) {
    const tiles = [h('div', { class: 'tile', 'data-stat': 'views', 'data-value': data.total.views },
      h('span', { class: 'label' }, 'Page views'), h('strong', {}, count(data.total.views)),
      data.previous_total ? h('small', {}, change(data.total.views, data.previous_total.views)) : null)];
    for (const p of state.p) {
      const v = data.total[`p${p}`];
      tiles.push(h('div', { class: 'tile', 'data-stat': `p${p}`, 'data-value': v ?? '' },
        h('span', { class: 'label' }, `p${p} ${metricLabel(state.metric)}`),
        h('strong', {}, value(v, state.metric)),
        data.previous_total ? h('small', {}, change(v, data.previous_total[`p${p}`])) : null));
    }
    body.replaceChildren(...tiles);
  },
};

export const percentiles = {
  name: 'percentiles',
  answer: 'percentiles',
  empty: (data) => !data.series.length,
  render(body, data, state) {
    const times = data.series.map((point) => seconds(point.t));
    const previous = new Map((data.previous || []).map((point) => [seconds(point.t), point]));
    const lines = [];
    state.p.forEach((p) => {
      const colour = PALETTE[[50, 75, 95, 99].indexOf(p)];
      lines.push({ label: `p${p}`, colour, values: data.series.map((point) => point[`p${p}`]) });
      if (data.previous) {
        lines.push({ label: `p${p} before`, colour, dashed: true,
          values: times.map((t) => previous.get(t)?.[`p${p}`] ?? null) });
      }
    });
    timeSeries(body, times, lines, unitOf(state.metric), span(data));
  },
};

export const volume = {
  name: 'volume',
  answer: 'percentiles',
  empty: (data) => !data.series.length,
  render(body, data) {
    bars(body, data.series.map((point) => seconds(point.t)), data.series.map((point) => point.views),
      { label: 'page views', unit: 'views', time: true, range: span(data) });
  },
};
