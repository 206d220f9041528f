// Reads the snippet's settings from its own <script> tag, found on first need (after
// the page's load, unless it errs, calls the API or is hidden sooner):
// <script async src="https://COLLECTOR/rum.js" data-site="SITE"
//         data-endpoint="..." data-route="..." data-sample="0.1" data-debug></script>
// Its tag is the one with a data-site whose URL has "/rum" in it, else the first with a
// data-site (other vendors use the attribute too). Beacons go beside the script (so a
// collector behind a path prefix just works), and stage two is fetched from there too.
export const readConfig = () => {
  const tag = (selector) => document.querySelector('script[data-site]' + selector);
  const script = tag('[src*="/rum"]') || tag('');
  const data = (script && script.dataset) || {};
  const base = new URL('.', (script && script.src) || location.href).href;
  return {
    script_: script,
    site_: data.site,
    route_: data.route,
    endpoint_: data.endpoint || base + 'v1/beacon',
    sample_: parseFloat(data.sample || 1), // compared with Math.random(): no clamp needed
    debug_: data.debug != null,
    base_: base,
  };
};
