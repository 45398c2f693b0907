// Preloaded into a gateway by gateway-memory.bench.mjs (`--import`): on SIGUSR2 it prints one `MEMREPORT {json}` line
// (process.memoryUsage() and V8's heap spaces, MiB) and, the first time only and when MEMREPORT_SNAPSHOT_DIR is set,
// writes a heap snapshot there and prints `MEMSNAP <file>`.
import v8 from 'node:v8';

let snapshotDir = process.env.MEMREPORT_SNAPSHOT_DIR;
const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

process.on('SIGUSR2', () => {
  const usage = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().filter((s) => s.space_size > 0).map((s) => [s.space_name, { used: mib(s.space_used_size), size: mib(s.space_size) }]),
  );
  const report = { rss: mib(usage.rss), heapTotal: mib(usage.heapTotal), heapUsed: mib(usage.heapUsed), external: mib(usage.external), spaces };
  process.stderr.write(`MEMREPORT ${JSON.stringify(report)}\n`);
  if (!snapshotDir) return;
  process.stderr.write(`MEMSNAP ${v8.writeHeapSnapshot(`${snapshotDir}/gateway-${process.pid}-${Date.now()}.heapsnapshot`)}\n`);
  snapshotDir = undefined;
});
