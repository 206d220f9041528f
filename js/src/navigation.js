import { round } from './lib/round.js';

// Navigation Timing Level 2: every mark, in ms since the time origin, plus the
// navigation's type, protocol and sizes. Names are those of the specification.
const FIELDS = (
  'workerStart redirectStart redirectEnd fetchStart domainLookupStart domainLookupEnd ' +
  'connectStart secureConnectionStart connectEnd requestStart responseStart responseEnd ' +
  'domInteractive domContentLoadedEventStart domContentLoadedEventEnd domComplete ' +
  'loadEventStart loadEventEnd activationStart redirectCount transferSize encodedBodySize ' +
  'decodedBodySize responseStatus nextHopProtocol deliveryType type'
).split(' ');

export const navigation = () => {
  const entry = performance.getEntriesByType('navigation')[0];
  if (!entry) return;
  const nav = {};
  for (const name of FIELDS) {
    const value = entry[name];
    if (typeof value == 'number') nav[name] = round(value);
    else if (typeof value == 'string') nav[name] = value;
  }
  return nav;
};
