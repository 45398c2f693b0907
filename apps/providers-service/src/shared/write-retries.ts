/**
 * Retries after a lost append race when the caller sent no If-Match. Each round lets at least one writer
 * win, so this bounds how many concurrent writers to one stream all succeed without the caller retrying.
 */
export const CONCURRENT_WRITE_RETRIES = 10;
