// The commonest uncaught JavaScript errors, with where they were last thrown.
import { h, table } from '../dom.js';
import { count, when } from '../format.js';

export const errors = {
  name: 'errors',
  answer: 'errors',
  empty: (data) => !data.errors.length,
  emptyMessage: 'No JavaScript errors in this range.',
  render(body, data) {
    body.replaceChildren(table([
      { label: 'Message', cell: (r) => h('td', { class: 'message' }, r.message) },
      { label: 'Occurrences', numeric: true, cell: (r) => h('td', { class: 'num', 'data-value': r.occurrences }, count(r.occurrences)) },
      { label: 'Page views', numeric: true, cell: (r) => h('td', { class: 'num', 'data-value': r.views }, count(r.views)) },
      { label: 'Source', cell: (r) => h('td', { class: 'source' }, r.source ? `${r.source}:${r.line}:${r.col}` : '–') },
      { label: 'Last seen', cell: (r) => h('td', {}, when(r.last_seen)) },
    ], data.errors));
  },
};
