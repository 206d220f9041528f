// Where server time goes: each Server-Timing name's share of the total, and percentiles.
import { h, table } from '../dom.js';
import { count, percent, value } from '../format.js';

export const serverTiming = {
  name: 'server-timing',
  answer: 'server-timing',
  empty: (data) => !data.server_timing.length,
  emptyMessage: 'No Server-Timing entries: add a Server-Timing header to the page responses.',
  render(body, data) {
    body.replaceChildren(table([
      { label: 'Name', cell: (r) => h('td', {}, r.name) },
      { label: 'Views', numeric: true, cell: (r) => h('td', { class: 'num', 'data-value': r.count }, count(r.count)) },
      { label: 'Share', cell: (r) => {
        const bar = h('span', { class: 'share' });
        bar.style.width = `${Math.round(60 * r.share)}px`; // 60px is the whole
        return h('td', { 'data-value': r.share }, bar, percent(r.share, 1));
      } },
      { label: 'p50', numeric: true, cell: (r) => h('td', { class: 'num', 'data-value': r.p50 ?? '' }, value(r.p50, 'ms')) },
      { label: 'p75', numeric: true, cell: (r) => h('td', { class: 'num', 'data-value': r.p75 ?? '' }, value(r.p75, 'ms')) },
      { label: 'p95', numeric: true, cell: (r) => h('td', { class: 'num', 'data-value': r.p95 ?? '' }, value(r.p95, 'ms')) },
    ], data.server_timing));
  },
};
