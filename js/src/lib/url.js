// URLs we report about resources lose their query string and fragment (they often
// carry tokens), and long ones are cut.
export const bareUrl = (url) => String(url).split(/[?#]/)[0].slice(0, 300);
