// Navigation Timing Level 2, as the browser serialises it: every mark (ms since the
// time origin), type, protocol, sizes, status. The URL and Server-Timing travel
// elsewhere in the beacon; the collector ignores fields it does not store.
export const navigation = (entry) => {
  if (!entry.toJSON) return;
  const { name, serverTiming, ...nav } = entry.toJSON();
  return nav;
};
