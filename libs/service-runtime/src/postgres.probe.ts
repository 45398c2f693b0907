/** The part of a TypeORM DataSource the probe uses (a structural type, so specs can hand it a stub). */
export interface ProbedDataSource {
  readonly isInitialized: boolean;
  query(sql: string): Promise<unknown>;
}

/**
 * Whether Postgres answers `SELECT 1` within `timeoutMs`. Bounded because a health answer must come back
 * even when Postgres hangs: keep `timeoutMs` under the caller's request timeout, so a hung database reads
 * as `postgres: false` rather than as a dead service. A data source not (or no longer) initialised is
 * down without asking.
 */
export async function postgresReachable(dataSource: ProbedDataSource, timeoutMs: number): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = dataSource.query('SELECT 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
