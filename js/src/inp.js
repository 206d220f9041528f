import { observe } from './lib/observe.js';
import { round } from './lib/round.js';
import { selector } from './lib/selector.js';

// Interaction to Next Paint as web-vitals: an interaction is all events sharing an
// interactionId; its latency is the longest of their durations. The value is the
// 98th percentile over interactions (one worst ignored per 50), with that
// interaction's phases, from the events painted in the frame of its longest one:
// input delay, processing (first handler start to last handler end), presentation.
// Good ≤ 200 ms, poor > 500 ms.
export const INP_THRESHOLDS = [200, 500];

// (An interaction's own fields end in "_": shortened at build time.)
export const onINP = (report) => {
  let byId = {};
  const handle = (entries) => {
    for (const e of entries) {
      const id = e.interactionId;
      if (!id) continue;
      // Its phases are those of the frame its longest entry was painted in (at
      // start_ + v_): a first input's pointerdown may have been painted long before
      // its slow click.
      let i = byId[id];
      if (!i || (e.startTime + e.duration - i.start_ - i.v_) ** 2 > 64) {
        if (i && e.duration <= i.v_) continue; // shorter, and painted in another frame
        i = byId[id] = { v_: 0, pe_: 0, main_: e };
      }
      // In one frame, the longest entry is the one that started, and was handled, first.
      if (e.duration > i.v_) {
        i.v_ = e.duration;
        i.start_ = e.startTime;
        i.ps_ = e.processingStart;
      }
      i.pe_ = Math.max(i.pe_, e.processingEnd);
      if (e.processingEnd - e.processingStart > i.main_.processingEnd - i.main_.processingStart) i.main_ = e;
    }
    const longest = Object.values(byId).sort((a, b) => b.v_ - a.v_);
    const i = longest[(longest.length / 50) | 0]; // one worst ignored per 50
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
  };
};
