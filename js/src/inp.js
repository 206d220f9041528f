import { observe } from './lib/observe.js';
import { round } from './lib/round.js';
import { selector } from './lib/selector.js';

// Interaction to Next Paint as web-vitals: an interaction is all events sharing an
// interactionId; its latency is the longest of their durations. The value is the
// 98th percentile over interactions (one worst ignored per 50), with that
// interaction's phases: input delay, processing (first handler start to last
// handler end), presentation. Good ≤ 200 ms, poor > 500 ms.
export const INP_THRESHOLDS = [200, 500];

// (An interaction's own fields end in "_": shortened at build time.)
export const onINP = (report) => {
  let byId = {};
  let count = 0;
  const handle = (entries) => {
    for (const e of entries) {
      const id = e.interactionId;
      if (!id) continue;
      let i = byId[id];
      if (!i) {
        i = byId[id] = { v_: 0, start_: e.startTime, ps_: e.processingStart, pe_: 0, main_: e };
        count++;
      }
      i.v_ = Math.max(i.v_, e.duration);
      i.start_ = Math.min(i.start_, e.startTime);
      i.ps_ = Math.min(i.ps_, e.processingStart);
      i.pe_ = Math.max(i.pe_, e.processingEnd);
      if (e.processingEnd - e.processingStart > i.main_.processingEnd - i.main_.processingStart) i.main_ = e;
    }
    const longest = Object.values(byId).sort((a, b) => b.v_ - a.v_);
    const i = longest[Math.min(longest.length - 1, Math.floor(count / 50))];
    if (!i) return;
    report({
      v: i.v_,
      type: i.main_.name,
      el: selector(i.main_.target),
      delay: round(i.ps_ - i.start_),
      proc: round(i.pe_ - i.ps_),
      pres: round(Math.max(i.start_ + i.v_ - i.pe_, 0)),
    });
  };
  observe('event', handle, { durationThreshold: 40 });
  observe('first-input', handle);
  return () => {
    byId = {};
    count = 0;
  };
};
