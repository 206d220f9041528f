// Browsers report times as doubles (123.40000000001); 0.1 ms is their real resolution.
export const round = (value) => Math.round(value * 10) / 10;
