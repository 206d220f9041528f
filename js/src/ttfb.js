// Time to First Byte, as web-vitals: responseStart from the (activated) navigation.
// The beacon carries the navigation entry, and the collector derives TTFB from it
// (beacon/ingest.py: ttfb), which keeps these bytes out of the snippet.
export const TTFB_THRESHOLDS = [800, 1800];
