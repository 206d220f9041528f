import { safe } from './safe.js';

// A buffered PerformanceObserver that is simply absent where the browser lacks the type.
export const observe = (type, callback, options) => {
  try {
    if (PerformanceObserver.supportedEntryTypes.includes(type)) {
      const observer = new PerformanceObserver(safe((list) => callback(list.getEntries())));
      observer.observe(Object.assign({ type, buffered: true }, options));
      return observer;
    }
  } catch (e) {
    // unsupported: measure nothing
  }
};
