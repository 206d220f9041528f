import { observe } from './lib/observe.js';

// Main-thread pressure: how many long tasks (> 50 ms) and their total duration.
export const onLongTasks = (report) => {
  let n = 0;
  let ms = 0;
  observe('longtask', (entries) => {
    for (const entry of entries) {
      n++;
      ms += entry.duration;
    }
    report({ n, ms: Math.round(ms) });
  });
  return () => (n = ms = 0);
};
