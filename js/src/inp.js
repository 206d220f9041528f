import { observe } from './lib/observe.js';
import { round } from './lib/round.js';
import { selector } from './lib/selector.js';

// Interaction to Next Paint as web-vitals: an interaction is all events sharing an
// interactionId; its latency is the longest of their durations. The value is the
// 98th percentile over interactions (one worst ignored per 50), with that
// interaction's phases: input delay, processing (first handler start to last
// handler end), presentation. Good ≤ 200 ms, poor > 500 ms.
export const INP_THRESHOLDS = [200, 500];

export const onINP = (report) => {
  let byId = {};
  let count = 0;
  const handle = (entries) => {
    for (const e of entries) {
      const id = e.interactionId;
      if (!id) continue;
      let i = byId[id];
      if (!i) {
        i = byId[id] = { v: 0, start: e.startTime, ps: e.processingStart, pe: 0, main: e };
        count++;
      }
      i.v = Math.max(i.v, e.duration);
      i.start = Math.min(i.start, e.startTime);
      i.ps = Math.min(i.ps, e.processingStart);
      i.pe = Math.max(i.pe, e.processingEnd);
      if (e.processingEnd - e.processingStart > i.main.processingEnd - i.main.processingStart) i.main = e;
    }
    const longest = Object.values(byId).sort((a, b) => b.v - a.v);
    const i = longest[Math.min(longest.length - 1, Math.floor(count / 50))];
    if (!i) return;
    report({
      v: i.v,
      type: i.main.name,
      el: selector(i.main.target),
      delay: round(i.ps - i.start),
      proc: round(i.pe - i.ps),
      pres: round(Math.max(i.start + i.v - i.pe, 0)),
    });
  };
  observe('event', handle, { durationThreshold: 40 });
  observe('first-input', handle);
  return () => {
    byId = {};
    count = 0;
  };
};
