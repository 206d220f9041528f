// The built-in dashboard: reads its state from the URL, asks the JSON API one question
// per answer, and renders each panel with a clear loading, empty or error state.
import { explain, get } from './api.js';
import { h, panel } from './dom.js';
import { METRIC_NAMES, metricLabel } from './format.js';
import { errors } from './panels/errors.js';
import { histogram } from './panels/histogram.js';
import { percentiles, summary, volume } from './panels/percentiles.js';
import { ratings } from './panels/ratings.js';
import { routes } from './panels/routes.js';
import { serverErrors } from './panels/serverErrors.js';
import { serverTiming } from './panels/serverTiming.js';
import { DIMENSIONS, PERCENTILES, question, read, write } from './state.js';

const PANELS = [summary, percentiles, volume, ratings, routes, histogram, serverTiming, serverErrors, errors];
const DIMENSION_NAMES = {
  route: 'Route', device_class: 'Device', browser: 'Browser', country: 'Country', navigation_type: 'Navigation',
};

let state = read();
let generation = 0; // answers for an older state are dropped

const controls = document.getElementById('controls');
const option = (value, label, selected) => h('option', { value, selected: value === selected }, label);

const setOptions = (select, options, selected) => {
  select.replaceChildren(...options.map(([value, label]) => option(value, label, selected)));
};

const renderControls = (sites, dimensions) => {
  setOptions(document.getElementById('site'), sites.map((s) => [s, s]), state.site);
  document.getElementById('range').value = state.range;
  const metrics = [...Object.entries(METRIC_NAMES),
    ...dimensions.server_timing.map((name) => [`st:${name}`, metricLabel(`st:${name}`)])];
  if (!metrics.some(([m]) => m === state.metric)) metrics.push([state.metric, metricLabel(state.metric)]);
  setOptions(document.getElementById('metric'), metrics, state.metric);
  document.getElementById('percentiles').replaceChildren(h('legend', {}, 'Percentiles'),
    ...PERCENTILES.map((p) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'p', value: p, checked: state.p.includes(p) }), `p${p}`)));
  document.getElementById('compare').checked = state.compare;
  document.getElementById('filters').replaceChildren(...DIMENSIONS.map((d) => {
    const values = (dimensions[d] || []).filter(Boolean); // '' (unknown) is not a filter
    const current = state.filters[d] || '';
    const choices = [['', `All`], ...values.map((v) => [v, v])];
    if (current && !values.includes(current)) choices.push([current, current]);
    const select = h('select', { name: d, 'data-filter': d }, choices.map(([v, l]) => option(v, l, current)));
    return h('label', {}, `${DIMENSION_NAMES[d]} `, select);
  }));
};

const fromControls = () => {
  const form = new FormData(controls);
  const filters = {};
  for (const select of document.querySelectorAll('[data-filter]')) {
    if (select.value) filters[select.dataset.filter] = select.value;
  }
  const p = form.getAll('p').map(Number);
  return {
    site: form.get('site'), range: form.get('range'), metric: form.get('metric'),
    p: p.length ? p : [75], compare: form.get('compare') === 'on', filters,
  };
};

const actions = {
  filter(name, value) {
    change({ ...state, filters: { ...state.filters, [name]: value } });
  },
};

// Every panel learns of an ended session at once: one navigation to the login, as a
// second would abort the first.
let signingIn = false;
const signInAgain = () => {
  if (signingIn) return;
  signingIn = true;
  location.assign('/dashboard/login');
};

const load = async () => {
  const mine = ++generation;
  const views = PANELS.map((p) => ({ spec: p, view: panel(p.name) }));
  views.forEach(({ view }) => view.show('loading', 'Loading…'));
  const answers = new Map();
  // Panels drawn from the same answer share one request.
  const ask = (spec) => {
    const extra = { ...spec.params, ...(spec.answer === 'percentiles' && state.compare ? { compare: '1' } : {}) };
    if (!answers.has(spec.answer)) answers.set(spec.answer, get(spec.answer, question(state, extra)));
    return answers.get(spec.answer);
  };
  await Promise.all(views.map(async ({ spec, view }) => {
    if (spec.rollupOnly && state.metric.startsWith('st:')) {
      view.show('empty', `Not available for ${metricLabel(state.metric)}: pick a page metric.`);
      return;
    }
    try {
      const data = await ask(spec);
      if (mine !== generation) return;
      if (spec.empty(data)) {
        view.show('empty', spec.emptyMessage || `No page views for ${state.site} with these filters in this range.`);
        return;
      }
      view.show('ready');
      spec.render(view.body, data, state, actions);
    } catch (error) {
      if (mine !== generation) return;
      if (error.status === 401) signInAgain();
      view.show('error', explain(error));
    }
  }));
  document.body.dataset.loaded = String(mine);
};

const start = async () => {
  let sites;
  try {
    sites = (await get('sites')).sites;
  } catch (error) {
    if (error.status === 401) return signInAgain();
    PANELS.forEach((p) => panel(p.name).show('error', explain(error)));
    return;
  }
  if (!sites.length) {
    PANELS.forEach((p) => panel(p.name).show('empty',
      'No page views yet: add the snippet to a page (or open /demo when running `rum run`) and come back.'));
    document.body.dataset.loaded = 'empty';
    return;
  }
  if (!sites.includes(state.site)) state = { ...state, site: sites[0] };
  let dimensions = { server_timing: [] };
  try {
    dimensions = (await get('dimensions', question(state))).dimensions;
  } catch (error) {
    // The panels below report the same failure where it matters.
  }
  start.sites = sites;
  renderControls(sites, dimensions);
  write(state, true);
  await load();
};

const change = async (next) => {
  state = next;
  write(state);
  let dimensions = { server_timing: [] };
  try {
    dimensions = (await get('dimensions', question(state))).dimensions;
  } catch (error) { /* shown by the panels */ }
  renderControls(start.sites, dimensions);
  await load();
};

controls.addEventListener('change', () => change(fromControls()));
document.getElementById('filters').addEventListener('change', () => change(fromControls()));
addEventListener('popstate', () => {
  state = read();
  change(state);
});
start();
