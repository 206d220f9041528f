import { round } from './lib/round.js';
import { safe } from './lib/safe.js';
import { onRouteChange } from './lib/spa.js';
import { onFCP } from './fcp.js';
import { onLCP } from './lcp.js';
import { onCLS } from './cls.js';
import { onINP } from './inp.js';
import { onLongTasks } from './longTasks.js';
import { resources } from './resources.js';

// Stage two, the measuring client: fetched by loader.js after the page's load. Its
// observers are buffered, so they see what happened before they were made. It fills
// in the page view stage one holds, and starts new views on route changes and
// back/forward-cache restores.
try {
  const shared = window.rum.shared_;
  const view = () => shared.view_;
  const navEntry = performance.getEntriesByType('navigation')[0] || {};
  const activationStart = navEntry.activationStart || 0;

  shared.resources_ = resources;
  onFCP((value) => (view().fcp_ = value), activationStart);
  onLCP((value) => (view().lcp_ = value), activationStart);
  const resetCLS = onCLS((value) => (view().cls_ = value));
  const resetINP = onINP((value) => (view().inp_ = value));
  const resetLongTasks = onLongTasks((value) => (view().lt_ = value));

  const restart = (kind, start) => {
    shared.flush_();
    resetCLS();
    resetINP();
    resetLongTasks();
    shared.newView_(kind, start);
  };

  onRouteChange(() => restart('soft', performance.now()));
  addEventListener(
    'pageshow',
    safe((event) => {
      if (!event.persisted) return;
      // Restored from the back/forward cache: a new view whose first paint is the
      // next frame after the restore, as web-vitals measures it.
      restart('bfcache', event.timeStamp);
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          view().fcp_ = round(performance.now() - event.timeStamp);
          view().lcp_ = { v: view().fcp_ };
        })
      );
    }),
    true
  );
} catch (e) {
  // never throw into the page
}
