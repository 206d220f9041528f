// Uncaught errors and unhandled rejections, at most 10 per page view. (Missing
// fields are left out: the collector defaults them to '' and 0.)
const MAX_ERRORS = 10;
const text = (value, max) => String(value == null ? '' : value).slice(0, max);

export const onErrors = (report) => {
  addEventListener('error', (event) => {
    // Failed <img>/<script> loads arrive here too but are not script errors.
    if (event.message) {
      report({ m: text(event.message, 256), s: text(event.filename, 300), l: event.lineno, c: event.colno }, MAX_ERRORS);
    }
  });
  addEventListener('unhandledrejection', (event) => {
    const reason = event.reason;
    report({ m: text(reason && reason.message ? reason.message : reason, 256) }, MAX_ERRORS);
  });
};
