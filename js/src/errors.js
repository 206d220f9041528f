// Uncaught errors and unhandled rejections, at most 10 per page view.
const MAX_ERRORS = 10;
const text = (value, max) => String(value == null ? '' : value).slice(0, max);

export const onErrors = (report) => {
  addEventListener('error', (event) => {
    // Failed <img>/<script> loads arrive here too but are not script errors.
    if (event.message) {
      report({ m: text(event.message, 256), s: text(event.filename, 300), l: event.lineno || 0, c: event.colno || 0 }, MAX_ERRORS);
    }
  });
  addEventListener('unhandledrejection', (event) => {
    const reason = event.reason;
    report({ m: text(reason && reason.message ? reason.message : reason, 256), s: '', l: 0, c: 0 }, MAX_ERRORS);
  });
};
