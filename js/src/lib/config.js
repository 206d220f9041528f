// Reads the snippet's settings from its own <script> tag:
// <script async src="https://COLLECTOR/rum.js" data-site="SITE"
//         data-endpoint="..." data-route="..." data-sample="0.1" data-debug></script>
// Beacons go beside the script (so a collector behind a path prefix just works), and
// stage two is fetched from there too. (getAttribute and a regex: dataset and new URL
// cost measurable time at start-up.)
export const readConfig = (script) => {
  const get = (name) => script && script.getAttribute('data-' + name);
  const base = ((script && script.src) || location.href).split(/[?#]/)[0].replace(/[^/]*$/, '');
  return {
    site_: get('site'),
    route_: get('route'),
    endpoint_: get('endpoint') || base + 'v1/beacon',
    sample_: parseFloat(get('sample') || 1), // compared with Math.random(): no clamp needed
    debug_: get('debug') != null,
    base_: base,
  };
};
