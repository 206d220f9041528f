import { readConfig } from './lib/config.js';
import { onHidden } from './lib/onHidden.js';
import { send } from './lib/send.js';
import { navigation } from './navigation.js';
import { onFCP } from './fcp.js';

// One page view, one beacon: measured while the page lives, sent when it is hidden.
try {
  const config = readConfig(document.currentScript);
  const id = Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  let fcp;
  let sent;

  onFCP((value) => (fcp = value));

  onHidden(() => {
    if (sent || !config.site) return;
    sent = 1;
    const beacon = {
      v: 1,
      site: config.site,
      id,
      url: location.href,
      t: Math.round(performance.timeOrigin),
      sent: Date.now(),
      nav: navigation(),
    };
    if (config.route) beacon.route = config.route;
    if (fcp != null) beacon.fcp = fcp;
    send(config.endpoint, beacon);
  });
} catch (e) {
  // never throw into the page
}

