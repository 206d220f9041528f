import { safe } from './safe.js';

// The last moment a page view is reliably ours: the page becomes hidden (tab switch,
// navigation, close). pagehide covers browsers that skip visibilitychange on unload.
export const onHidden = (callback) => {
  const run = safe(callback);
  addEventListener('visibilitychange', () => document.hidden && run(), true);
  addEventListener('pagehide', run, true);
};
