// Reads the snippet's settings from its own <script> tag:
// <script async src="https://COLLECTOR/rum.js" data-site="SITE"
//         data-endpoint="..." data-route="..."></script>
export const readConfig = (script) => {
  const data = script ? script.dataset : {};
  const base = script && script.src ? script.src : location.href;
  return {
    site: data.site,
    route: data.route,
    endpoint: data.endpoint || new URL('/v1/beacon', base).href,
  };
};
