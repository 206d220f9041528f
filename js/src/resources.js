import { round } from './lib/round.js';
import { bareUrl } from './lib/url.js';

// Resource Timing, summarised per initiator type (count, bytes, total and max
// duration, cache hits, third-party count), plus the five slowest resources.
// Raised only when the default buffer (250) fills, which the browser announces.
export const raiseResourceBuffer = () =>
  performance.addEventListener &&
  performance.addEventListener('resourcetimingbufferfull', () => performance.setResourceTimingBufferSize(1000));

const site = (host) => host.split('.').slice(-2).join('.');

export const resources = (since, endpoint) => {
  const byType = {};
  const all = performance
    .getEntriesByType('resource')
    .filter((e) => e.startTime >= since && e.name.indexOf(endpoint) != 0);
  for (const e of all) {
    const type = e.initiatorType.slice(0, 32) || 'other';
    const s = (byType[type] = byType[type] || { i: type, n: 0, bytes: 0, ms: 0, max: 0, hit: 0, tp: 0 });
    s.n++;
    s.bytes += e.transferSize || 0;
    s.ms += e.duration;
    s.max = Math.max(s.max, e.duration);
    if (e.transferSize == 0 && e.decodedBodySize > 0) s.hit++;
    if (site(e.name.split('/')[2] || '') != site(location.host)) s.tp++;
  }
  const sum = Object.values(byType).map((s) => ((s.ms = round(s.ms)), (s.max = round(s.max)), s));
  const slow = all
    .sort((a, b) => b.duration - a.duration)
    .slice(0, 5)
    .map((e) => ({ u: bareUrl(e.name), i: e.initiatorType.slice(0, 32), ms: round(e.duration), bytes: e.transferSize || 0 }));
  return all.length ? { sum, slow } : undefined;
};
