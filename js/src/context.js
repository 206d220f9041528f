// What the device and network were like, where the browser exposes it.
export const context = (visibilityAtLoad) => {
  const c = navigator.connection || {};
  return {
    ect: c.effectiveType,
    rtt: c.rtt,
    dl: c.downlink,
    mem: navigator.deviceMemory,
    cpu: navigator.hardwareConcurrency,
    vw: innerWidth,
    vh: innerHeight,
    vis: visibilityAtLoad,
  };
};
