import { observe } from './lib/observe.js';
import { selector } from './lib/selector.js';

// Cumulative Layout Shift as web-vitals defines it: the largest session window of
// shifts without recent input (gaps < 1 s, windows ≤ 5 s), with the element that
// shifted most in it. Good ≤ 0.1, poor > 0.25.
export const CLS_THRESHOLDS = [0.1, 0.25];

export const onCLS = (report) => {
  let session = 0;
  let first;
  let last;
  let largest;
  let best = { v: 0 };
  observe('layout-shift', (entries) => {
    for (const entry of entries) {
      if (entry.hadRecentInput) continue;
      if (last && entry.startTime - last.startTime < 1000 && entry.startTime - first.startTime < 5000) {
        session += entry.value;
        if (entry.value > largest.value) largest = entry;
      } else {
        session = entry.value;
        first = largest = entry;
      }
      last = entry;
      if (session > best.v) {
        // selector() of no node is ''.
        best = { v: session, el: selector(((largest.sources || []).find((s) => s.node) || 0).node) };
        report(best);
      }
    }
  });
  return () => {
    session = 0;
    last = undefined;
    best = { v: 0 };
  };
};
