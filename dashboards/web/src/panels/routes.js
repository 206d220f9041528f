// Routes ranked by p75 of the selected metric; a click filters the dashboard to one.
import { h, table } from '../dom.js';
import { count, value } from '../format.js';

export const routes = {
  name: 'routes',
  answer: 'routes',
  rollupOnly: true,
  empty: (data) => !data.routes.length,
  render(body, data, state, actions) {
    body.replaceChildren(table([
      { label: 'Route', cell: (r) => h('td', {}, h('button', { class: 'link', type: 'button',
        onclick: () => actions.filter('route', r.route) }, r.route)) },
      { label: 'Views', numeric: true, cell: (r) => h('td', { class: 'num', 'data-value': r.views }, count(r.views)) },
      { label: 'p75', numeric: true, cell: (r) => h('td', { class: 'num', 'data-value': r.p75 }, value(r.p75, state.metric)) },
      { label: 'p95', numeric: true, cell: (r) => h('td', { class: 'num', 'data-value': r.p95 ?? '' }, value(r.p95, state.metric)) },
    ], data.routes));
  },
};
