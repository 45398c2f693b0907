// The floor of a Node proxy, for compare.bench.mjs: a plain node:http server that reads and JSON-parses the body (a
// proxy must, to see the model), swaps the client's key for the upstream's, forwards over a keep-alive undici Pool
// and pipes the answer back; nothing else. Run as a child process so that its CPU time is its own.
// Env: FLOOR_UPSTREAM (origin, e.g. http://127.0.0.1:4010), FLOOR_UPSTREAM_KEY, FLOOR_PORT (0: any). Prints
// `listening <port>` once it accepts calls.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new Pool(process.env.FLOOR_UPSTREAM, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
const auth = `Bearer ${process.env.FLOOR_UPSTREAM_KEY}`;
const MAX_BODY = 32 * 1024 * 1024;

function refuse(res, status, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message } }));
}

const server = createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    let body;
    let raw;
    try {
      raw = Buffer.concat(chunks);
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return refuse(res, 400, 'invalid JSON');
    }
    if (typeof body?.model !== 'string') return refuse(res, 400, 'model is required');
    upstream.request(
      {
        path: req.url,
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json', accept: req.headers.accept ?? 'application/json' },
        body: raw,
      },
      (error, answer) => {
        if (error) return refuse(res, 502, error.message);
        res.writeHead(answer.statusCode, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
        answer.body.pipe(res);
      },
    );
  });
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.FLOOR_PORT ?? 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => upstream.close().then(() => process.exit(0))));
