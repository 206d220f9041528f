import { safe } from './safe.js';

// Single-page apps: a pushState/replaceState/popstate that changes the path starts a
// new (soft) page view. Query and fragment changes (filters, tabs) do not.
export const onRouteChange = (callback) => {
  let path = location.pathname;
  const check = safe(() => {
    if (location.pathname != path) {
      path = location.pathname;
      callback();
    }
  });
  for (const name of ['pushState', 'replaceState']) {
    const original = history[name];
    history[name] = function () {
      const result = original.apply(this, arguments);
      check();
      return result;
    };
  }
  addEventListener('popstate', check);
};
