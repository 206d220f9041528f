import { readConfig } from './lib/config.js';
import { onHidden } from './lib/onHidden.js';
import { round } from './lib/round.js';
import { safe } from './lib/safe.js';
import { send } from './lib/send.js';
import { onRouteChange } from './lib/spa.js';
import { navigation } from './navigation.js';
import { serverTiming } from './serverTiming.js';
import { ttfb } from './ttfb.js';
import { onFCP } from './fcp.js';
import { onLCP } from './lcp.js';
import { onCLS } from './cls.js';
import { onINP } from './inp.js';
import { onLongTasks } from './longTasks.js';
import { onErrors } from './errors.js';
import { raiseResourceBuffer, resources } from './resources.js';
import { context } from './context.js';

// One page view, one id: measured while it lives, sent when the page is hidden.
// Values that settle later (CLS, INP, errors) follow in beacons with the same id and
// a higher seq. A route change or a back/forward-cache restore starts a new view.
const LIMIT = 60000; // stay under the 64 KiB keepalive budget

try {
  const config = readConfig(document.currentScript);
  const visibilityAtLoad = document.visibilityState;
  const navEntry = () => performance.getEntriesByType('navigation')[0] || {};
  let view;

  const newView = (kind, start = 0) => {
    view = {
      id: Date.now().toString(36) + Math.random().toString(36).slice(2, 12),
      seq: 0,
      kind,
      start,
      url: location.href,
      route: config.route,
      sampled: Math.random() < config.sample,
      timings: {},
      err: [],
      sentErr: 0,
      sent: '',
    };
  };

  const payload = () => {
    const v = view;
    const beacon = { v: 1, site: config.site, id: v.id, seq: v.seq, url: v.url, t: Math.round(performance.timeOrigin), sent: Date.now() };
    if (v.route) beacon.route = v.route;
    // What may change after the first beacon, and so goes in follow-ups too.
    const late = { cls: v.cls, inp: v.inp, lt: v.lt, err: v.err.slice(v.sentErr), timings: v.timings };
    const key = JSON.stringify(late);
    if (v.seq && key == v.sent) return;
    v.sent = key;
    Object.assign(beacon, late);
    if (!v.seq) {
      if (v.kind) {
        beacon.view = v.kind;
        beacon.start = round(v.start);
      } else {
        const entry = navEntry();
        beacon.nav = navigation(entry);
        beacon.ttfb = ttfb(entry);
        beacon.st = serverTiming(entry);
        beacon.ctx = context(visibilityAtLoad);
      }
      beacon.fcp = v.fcp;
      beacon.lcp = v.lcp;
      beacon.res = resources(v.start, config.endpoint);
    }
    return beacon;
  };

  const flush = () => {
    if (!config.site || !view.sampled) return;
    const beacon = payload();
    if (!beacon) return;
    let body = JSON.stringify(beacon);
    for (const bulky of ['res', 'err', 'st']) {
      if (body.length < LIMIT) break;
      delete beacon[bulky];
      body = JSON.stringify(beacon);
    }
    if (config.debug) console.debug('rum', beacon);
    send(config.endpoint, body);
    view.sentErr = view.err.length;
    view.seq++;
  };

  newView();
  raiseResourceBuffer();
  onHidden(flush);
  onErrors((error, max) => view.err.length < max && view.err.push(error));

  // Observers are buffered, so they see what happened before they were made: make
  // them after the page's own load, off its critical path.
  const measure = () => {
    const activationStart = navEntry().activationStart || 0;
    onFCP((value) => (view.fcp = value), activationStart);
    onLCP((value) => (view.lcp = value), activationStart);
    const resetCLS = onCLS((value) => (view.cls = value));
    const resetINP = onINP((value) => (view.inp = value));
    const resetLongTasks = onLongTasks((value) => (view.lt = value));

    const restart = (kind, start) => {
      flush();
      resetCLS();
      resetINP();
      resetLongTasks();
      newView(kind, start);
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
            view.fcp = round(performance.now() - event.timeStamp);
            view.lcp = { v: view.fcp };
          })
        );
      }),
      true
    );
  };
  const later = safe(() => setTimeout(safe(measure)));
  if (document.readyState == 'complete') later();
  else addEventListener('load', later);

  const timing = (name, ms) => {
    view.timings[String(name).slice(0, 64)] = round(ms);
  };
  window.rum = {
    route: (name) => (view.route = String(name).slice(0, 256)),
    timing,
    mark: (name) => timing(name, performance.now() - view.start),
    time: (name, fn) => {
      const start = performance.now();
      const done = () => timing(name, performance.now() - start);
      const result = fn();
      if (result && result.then) result.then(done, done);
      else done();
      return result;
    },
  };
} catch (e) {
  // never throw into the page
}
