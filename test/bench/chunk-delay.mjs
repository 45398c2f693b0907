// Per-chunk streaming delay for compare.bench.mjs: the mock upstream (in the bench's process) spaces the content
// chunks of a streamed chat completion `gapMs` apart and reports, through its onContentWrite option, when it writes
// each one; the client notes when it reads each content chunk. Both are this process's performance.now(), so the
// difference is what the path between them adds to that chunk: nothing for direct, a node:http + undici hop for the
// floor, the gateway for Switchboard. Time to first byte (the response headers and the first content chunk) is set
// against the time the whole answer takes, to show that a proxy passes chunks on as they come instead of waiting
// for the end. Every call carries its own marker in the prompt, which the mock sees in the forwarded body: chunks
// are paired per call, at any concurrency.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { ascending, pct } from './bench-kit.mjs';

const MARK = 'chunk-delay-';

/** The content chunks of whatever SSE frames `text` completes; returns them and the unfinished rest. */
function contentFrames(text) {
  const frames = text.split('\n\n');
  const rest = frames.pop() ?? '';
  let contents = 0;
  let done = false;
  for (const frame of frames) {
    const data = frame.startsWith('data: ') ? frame.slice(6) : null;
    if (data === null) continue;
    if (data === '[DONE]') done = true;
    else if (JSON.parse(data).choices?.[0]?.delta?.content) contents++;
  }
  return { contents, done, rest };
}

/**
 * One streamed call; the chunk reads are timed against `writes` (the mock's write times of this call's chunks,
 * filled as they happen). Returns per-chunk delays (ms), the TTFB to the headers and to the first content chunk, the
 * first chunk's write time (all from the call's start) and the whole call's time.
 */
async function timedCall(pool, target, id, writes) {
  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: `${MARK}${id}` }], max_tokens: 16, stream: true });
  const t0 = performance.now();
  const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { ...target.headers, 'content-type': 'application/json' }, body });
  const headersAt = performance.now() - t0;
  if (res.statusCode !== 200) throw new Error(`${target.name} answered ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
  const reads = [];
  let pending = '';
  let done = false;
  for await (const buffer of res.body) {
    const at = performance.now();
    const parsed = contentFrames(pending + buffer.toString('utf8'));
    pending = parsed.rest;
    done ||= parsed.done;
    for (let i = 0; i < parsed.contents; i++) reads.push(at);
  }
  const total = performance.now() - t0;
  if (!done) throw new Error(`${target.name}: the stream did not end with [DONE]`);
  if (reads.length !== writes.length) throw new Error(`${target.name}: ${writes.length} content chunks written, ${reads.length} read`);
  return { delays: reads.map((r, i) => r - writes[i]), headersAt, firstRead: reads[0] - t0, firstWrite: writes[0] - t0, total };
}

/**
 * Runs `calls` streamed calls per target and concurrency, in `rounds` with the targets in a rotating order, and
 * returns one row per target and concurrency, with the delay each adds over the first target (direct). `mock` is the MockLlmUpstream the targets forward to; its chunking is
 * set for the run and put back afterwards.
 */
export async function runChunkDelay(mock, targets, { calls, concurrencies, gapMs, chunks, rounds }) {
  const writes = new Map();
  mock.configure({
    interChunkDelayMs: gapMs,
    chunks,
    onContentWrite: (call, index) => {
      const content = call.body?.messages?.[0]?.content;
      if (typeof content === 'string' && content.startsWith(MARK)) writes.get(content.slice(MARK.length))?.push(performance.now());
    },
  });
  let seq = 0;
  const rows = [];
  try {
    for (const concurrency of concurrencies) {
      const results = targets.map(() => []);
      const pools = targets.map((t) => new Pool(t.origin, { connections: concurrency, pipelining: 1 }));
      try {
        for (let round = 0; round < rounds; round++) {
          process.stdout.write(`  chunks c=${concurrency} round ${round + 1}/${rounds}:`);
          for (const i of targets.map((_, k) => (k + round) % targets.length)) {
            process.stdout.write(` ${targets[i].name}…`);
            // Unmeasured first: the pool's connections are opened and the path is warm before any chunk counts.
            const runs = round === 0 ? [[concurrency, null], [Math.ceil(calls / rounds), results[i]]] : [[Math.ceil(calls / rounds), results[i]]];
            for (const [n, into] of runs) {
              let left = n;
              await Promise.all(
                Array.from({ length: concurrency }, async () => {
                  while (left-- > 0) {
                    const id = String(seq++);
                    writes.set(id, []);
                    const result = await timedCall(pools[i], targets[i], id, writes.get(id));
                    writes.delete(id);
                    into?.push(result);
                  }
                }),
              );
            }
          }
          process.stdout.write('\n');
        }
      } finally {
        await Promise.all(pools.map((p) => p.close()));
      }
      const [direct, ...others] = targets.map((t, i) => summary(t.name, concurrency, results[i]));
      rows.push(direct, ...others.map((row) => ({ ...row, ...added(row, direct) })));
    }
  } finally {
    mock.configure({ interChunkDelayMs: 0, chunks: 4, onContentWrite: null });
  }
  return rows;
}

const added = (row, direct) => ({
  'added p50 ms': (row['chunk delay p50 ms'] - direct['chunk delay p50 ms']).toFixed(3),
  'added p99 ms': (row['chunk delay p99 ms'] - direct['chunk delay p99 ms']).toFixed(3),
});

export function printChunkDelay(rows, { chunks, gapMs }) {
  console.log(`\nPer-chunk delay of streamed answers (${chunks} content chunks written ${gapMs} ms apart by the mock; delay: the mock's write → the client's read of each chunk; added: over direct)`);
  console.log('Time to first byte: the headers and the first content chunk are read about when that chunk is written, long before the whole answer');
  console.table(rows);
}

function summary(name, concurrency, results) {
  const delays = ascending(results.flatMap((r) => r.delays));
  const p50 = (list) => pct(ascending(list), 50).toFixed(2);
  return {
    target: name,
    c: concurrency,
    calls: results.length,
    'chunk delay p50 ms': pct(delays, 50).toFixed(3),
    'chunk delay p99 ms': pct(delays, 99).toFixed(3),
    'headers p50 ms': p50(results.map((r) => r.headersAt)),
    'first chunk written p50 ms': p50(results.map((r) => r.firstWrite)),
    'first chunk read p50 ms': p50(results.map((r) => r.firstRead)),
    'whole call p50 ms': p50(results.map((r) => r.total)),
  };
}
