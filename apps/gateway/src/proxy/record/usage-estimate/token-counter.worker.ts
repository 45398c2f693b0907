import { parentPort } from 'node:worker_threads';
import type { TokenizerFamily } from '@switchboard/llm-protocols';
import { countTokensInProcess } from './token-count.js';

/** The worker side of WorkerTokenCounter: one request at a time, answered by id. */
interface CountRequest {
  readonly id: number;
  readonly family: TokenizerFamily;
  readonly texts: readonly string[];
}

parentPort?.on('message', (request: CountRequest) => {
  countTokensInProcess(request.family, request.texts).then(
    (counts) => parentPort?.postMessage({ id: request.id, counts }),
    (error: unknown) => parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
