import { observe } from './lib/observe.js';
import { round } from './lib/round.js';
import { selector } from './lib/selector.js';
import { bareUrl } from './lib/url.js';

// Largest Contentful Paint: the last candidate the browser reports before input or
// hide, relative to activation for prerendered pages. Good ≤ 2500 ms, poor > 4000 ms.
export const LCP_THRESHOLDS = [2500, 4000];

export const onLCP = (report, activationStart) =>
  observe('largest-contentful-paint', (entries) => {
    const entry = entries[entries.length - 1];
    report({
      v: round(Math.max(entry.startTime - activationStart, 0)),
      el: selector(entry.element),
      url: bareUrl(entry.url),
    });
  });
