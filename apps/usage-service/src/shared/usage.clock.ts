/** What "now" is for the default usage window (the current UTC month) and alert settings; specs pin it. */
export const USAGE_CLOCK = Symbol('USAGE_CLOCK');
export type UsageClock = () => Date;
