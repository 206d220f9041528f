// Reads the snippet's settings from its own <script> tag:
// <script async src="https://COLLECTOR/rum.js" data-site="SITE"
//         data-endpoint="..." data-route="..." data-sample="0.1" data-debug></script>
// (getAttribute and a regex: dataset and new URL cost measurable time at start-up.)
export const readConfig = (script) => {
  const get = (name) => script && script.getAttribute('data-' + name);
  const origin = ((script && script.src) || location.href).match(/^[^/]*\/\/[^/]*/)[0];
  return {
    site: get('site'),
    route: get('route'),
    endpoint: get('endpoint') || origin + '/v1/beacon',
    sample: Math.min(Math.max(parseFloat(get('sample') || 1), 0), 1),
    debug: get('debug') != null,
  };
};
