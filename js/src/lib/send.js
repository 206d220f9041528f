// text/plain keeps the request "simple": no CORS preflight, and sendBeacon accepts it.
export const send = (url, body) => {
  if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
  fetch(url, {
    method: 'POST',
    body,
    keepalive: true,
    credentials: 'omit', // a string body goes as text/plain
  }).catch(() => {});
};
