import { safe } from './safe.js';

// A buffered PerformanceObserver that is simply absent where the browser lacks the type.
export const observe = (type, callback, options) => {
  try {
    if (PerformanceObserver.supportedEntryTypes.includes(type)) {
      new PerformanceObserver(safe((list) => callback(list.getEntries()))).observe(
        { type, buffered: true, ...options }
      );
    }
  } catch (e) {
    // unsupported: measure nothing
  }
};
