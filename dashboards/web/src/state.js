// The dashboard's state lives in the URL, so every view can be shared and reloaded.
export const DIMENSIONS = ['route', 'device_class', 'browser', 'country', 'navigation_type'];
export const RANGES = { '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800, '30d': 2592000, '90d': 7776000 };
export const PERCENTILES = [50, 75, 95, 99];

export const read = () => {
  const q = new URLSearchParams(location.search);
  const filters = {};
  for (const d of DIMENSIONS) if (q.get(d)) filters[d] = q.get(d);
  const p = (q.get('p') || '50,75,95').split(',').map(Number).filter((x) => PERCENTILES.includes(x));
  return {
    site: q.get('site') || '',
    range: RANGES[q.get('range')] ? q.get('range') : '24h',
    metric: q.get('metric') || 'load',
    p: p.length ? p : [75],
    compare: q.get('compare') === '1',
    filters,
  };
};

export const write = (state, replace = false) => {
  const q = new URLSearchParams();
  q.set('site', state.site);
  q.set('range', state.range);
  q.set('metric', state.metric);
  q.set('p', state.p.join(','));
  if (state.compare) q.set('compare', '1');
  for (const [d, v] of Object.entries(state.filters)) q.set(d, v);
  const url = `${location.pathname}?${q}`;
  if (replace) history.replaceState(null, '', url);
  else if (url !== location.pathname + location.search) history.pushState(null, '', url);
};

// The API's question for a state: the window ends now and spans the chosen range.
export const question = (state, extra = {}) => {
  const to = Math.floor(Date.now() / 1000);
  const q = new URLSearchParams({
    site: state.site, metric: state.metric, from: String(to - RANGES[state.range]), to: String(to), ...extra,
  });
  for (const [d, v] of Object.entries(state.filters)) q.set(d, v);
  return q;
};
