import { observe } from './lib/observe.js';
import { round } from './lib/round.js';

// First Contentful Paint, relative to activation for prerendered pages.
// Good ≤ 1800 ms, poor > 3000 ms.
export const FCP_THRESHOLDS = [1800, 3000];

export const onFCP = (report, activationStart) =>
  observe('paint', (entries) => {
    for (const entry of entries) {
      if (entry.name == 'first-contentful-paint') {
        report(round(Math.max(entry.startTime - activationStart, 0)));
      }
    }
  });
