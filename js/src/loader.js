import { readConfig } from './lib/config.js';
import { onHidden } from './lib/onHidden.js';
import { round } from './lib/round.js';
import { safe } from './lib/safe.js';
import { send } from './lib/send.js';
import { navigation } from './navigation.js';
import { serverTiming } from './serverTiming.js';
import { onErrors } from './errors.js';
import { raiseResourceBuffer } from './resources.js';
import { context } from './context.js';

// Stage one of two, and the only tag a site pastes (/rum.js). It does what cannot
// wait for the page's load: it listens for errors, API calls and the page being
// hidden, and sends the page view then, even if that is before stage two runs. After
// load it reads its tag and fetches stage two, the measuring client (index.js), so
// that parsing and compiling the bulk of the code costs the page nothing while it
// loads.
//
// One page view, one id. Values that settle later (CLS, INP, errors) follow in beacons
// with the same id and a higher seq. A route change or a back/forward-cache restore
// starts a new view (stage two decides when).
const LIMIT = 60000; // stay under the 64 KiB keepalive budget

try {
  // Its own tag is read on first need, not now: document.currentScript, the first
  // element this page's scripts touch, was the dearest thing this stage did before
  // load (0.1-0.2 ms of the main thread's CPU, 0.2-0.5 ms of its time, medians of 30
  // loads). (An Error's stack would name the script, but costs more.)
  // What stage two reads and extends (property names are shared through the build's
  // mangle cache): the current view, how to start and send one, the resource summary.
  const shared = {};
  let config;
  let visibilityAtLoad;
  // Work that can wait does: the config and the first view are made on first need,
  // which is after the page's load unless it errs, calls the API or is hidden sooner.
  const current = () => {
    if (!config) {
      config = readConfig();
      visibilityAtLoad = document.visibilityState;
      newView();
    }
    return shared.view_;
  };

  // A view's own fields end in "_" (shortened at build time); the beacon's are
  // the wire names the collector's schema knows.
  const newView = (shared.newView_ = (kind, start = 0) => {
    shared.view_ = {
      id_: Date.now().toString(36) + Math.random().toString(36).slice(2, 12),
      seq_: 0,
      kind_: kind,
      start_: start,
      url_: location.href,
      route_: config.route_,
      sampled_: Math.random() < config.sample_,
      timings_: {},
      err_: [],
      sentErr_: 0,
      sent_: '',
    };
  });

  const payload = () => {
    const v = shared.view_;
    const beacon = { v: 1, site: config.site_, id: v.id_, seq: v.seq_, url: v.url_, t: Math.round(performance.timeOrigin), sent: Date.now() };
    if (v.route_) beacon.route = v.route_;
    // What may change after the first beacon, and so goes in follow-ups too.
    // (Errors count as changed only when new ones came: each is sent once.)
    const late = { cls: v.cls_, inp: v.inp_, lt: v.lt_, timings: v.timings_ };
    const key = JSON.stringify(late) + v.err_.length;
    if (v.seq_ && key == v.sent_) return;
    v.sent_ = key;
    Object.assign(beacon, late, { err: v.err_.slice(v.sentErr_) });
    if (!v.seq_) {
      if (v.kind_) {
        beacon.view = v.kind_;
        beacon.start = round(v.start_);
      } else {
        const entry = performance.getEntriesByType('navigation')[0] || {};
        beacon.nav = navigation(entry);
        beacon.st = serverTiming(entry);
        beacon.ctx = context(visibilityAtLoad);
      }
      beacon.fcp = v.fcp_;
      beacon.lcp = v.lcp_;
      beacon.res = shared.resources_ && shared.resources_(v.start_, config.endpoint_);
    }
    return beacon;
  };

  shared.flush_ = () => {
    const v = current();
    if (!config.site_ || !v.sampled_) return;
    const beacon = payload();
    if (!beacon) return;
    let body = JSON.stringify(beacon);
    for (const bulky of ['res', 'err', 'st']) {
      if (body.length < LIMIT) break;
      delete beacon[bulky];
      body = JSON.stringify(beacon);
    }
    if (config.debug_) console.debug('rum', beacon);
    send(config.endpoint_, body);
    v.sentErr_ = v.err_.length;
    v.seq_++;
  };

  raiseResourceBuffer();
  onHidden(() => shared.flush_());
  onErrors((error, max) => current().err_.length < max && current().err_.push(error));

  const timing = (name, ms) => {
    current().timings_[String(name).slice(0, 64)] = round(ms);
  };
  window.rum = {
    route: (name) => (current().route_ = String(name).slice(0, 256)),
    timing,
    mark: (name) => timing(name, performance.now() - current().start_),
    time: (name, fn) => {
      const start = performance.now();
      const done = () => timing(name, performance.now() - start);
      const result = fn();
      if (result && result.then) result.then(done, done);
      else done();
      return result;
    },
    shared_: shared,
  };

  // Stage two sits beside this file under its content hash (cached for good). It is
  // requested when the page is idle after load: issuing a request is main-thread work
  // too, and must not get in the way of the user's first interactions.
  const fetchClient = () =>
    (window.requestIdleCallback || setTimeout)(
      safe(() => {
        current();
        const client = document.createElement('script');
        client.src = config.base_ + STAGE_TWO;
        client.nonce = (config.script_ || client).nonce; // a nonce-based CSP must allow stage two too
        document.head.appendChild(client);
      })
    );
  // Not in a load listener: its work would count in the page's own load time (up to
  // loadEventEnd). pageshow follows the load event, in a task of its own; once, as a
  // restore from the back/forward cache shows the page again, stage two already in it.
  if (document.readyState == 'complete') fetchClient();
  else addEventListener('pageshow', fetchClient, { once: true });
} catch (e) {
  // never throw into the page
}
