import { postgresReachable } from './postgres.probe.js';

describe('postgresReachable', () => {
  const source = (isInitialized: boolean, answer: () => Promise<unknown>) => {
    const asked: string[] = [];
    return {
      asked,
      dataSource: {
        isInitialized,
        query: (sql: string) => {
          asked.push(sql);
          return answer();
        },
      },
    };
  };

  it('is true when Postgres answers', async () => {
    const { dataSource, asked } = source(true, async () => [{ '?column?': 1 }]);
    expect(await postgresReachable(dataSource, 1_000)).toBe(true);
    expect(asked).toEqual(['SELECT 1']);
  });

  it('is false when the query fails', async () => {
    const { dataSource } = source(true, async () => {
      throw new Error('connection refused');
    });
    expect(await postgresReachable(dataSource, 1_000)).toBe(false);
  });

  it('is false once the timeout passes while Postgres hangs', async () => {
    const { dataSource } = source(true, () => new Promise(() => undefined));
    const started = Date.now();
    expect(await postgresReachable(dataSource, 50)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('does not ask a data source that is not initialised', async () => {
    const { dataSource, asked } = source(false, async () => []);
    expect(await postgresReachable(dataSource, 1_000)).toBe(false);
    expect(asked).toEqual([]);
  });
});
