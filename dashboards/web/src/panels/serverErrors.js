// Page views the server answered with a 5xx, as the browsers reported them.
import { h, table } from '../dom.js';
import { count, when } from '../format.js';

export const serverErrors = {
  name: 'server-errors',
  answer: 'server-errors',
  params: { limit: '10' },
  empty: (data) => !data.server_errors.length,
  emptyMessage: 'No 5xx page views in this range.',
  render(body, data) {
    body.replaceChildren(table([
      { label: 'Route', cell: (r) => h('td', {}, r.route) },
      { label: 'Status', numeric: true, cell: (r) => h('td', { class: 'num' }, r.status) },
      { label: 'Views', numeric: true, cell: (r) => h('td', { class: 'num', 'data-value': r.views }, count(r.views)) },
      { label: 'Last seen', cell: (r) => h('td', {}, when(r.last_seen)) },
    ], data.server_errors));
  },
};
