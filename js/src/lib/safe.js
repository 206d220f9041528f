// Analytics must never break the page: every callback we register goes through this.
export const safe = (fn) => (...args) => {
  try {
    return fn(...args);
  } catch (e) {
    // swallowed on purpose
  }
};
