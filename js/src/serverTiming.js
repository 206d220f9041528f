import { round } from './lib/round.js';

// The document's Server-Timing header: how the application spent its server time
// (templates, queries, cache), one entry per metric, at most 20. `entry` is the
// navigation entry, or {} where the browser has none.
export const serverTiming = (entry) =>
  (entry.serverTiming || []).slice(0, 20).map((t) => ({
    n: t.name.slice(0, 64),
    d: round(Math.min(t.duration, 3.6e6)),
    desc: t.description.slice(0, 128),
  }));
