import { round } from './lib/round.js';

// Time to First Byte, as web-vitals: responseStart from the (activated) navigation.
export const TTFB_THRESHOLDS = [800, 1800];

export const ttfb = (entry) =>
  entry && entry.responseStart > 0
    ? round(Math.max(entry.responseStart - (entry.activationStart || 0), 0))
    : undefined;
