import type { Result } from '@switchboard/contracts';
import type { FastifyReply } from 'fastify';
import { ApiErrorException, unwrap } from './api-error.exception.js';

/** An aggregate's version is its entity tag: `"3"`. */
export const etagOf = (version: number): string => `"${version}"`;

/** The value of a successful reply, with its version as the response's ETag; an error becomes its HTTP answer. */
export function versioned<T extends { readonly version: number }>(reply: FastifyReply, result: Result<T>): T {
  const view = unwrap(result);
  void reply.header('etag', etagOf(view.version));
  return view;
}

const ENTITY_TAG = /^(?:W\/)?"(\d{1,15})"$/;

/**
 * If-Match → the version the client read. Absent or `*` means "no expectation". The weak form is accepted
 * because proxies may weaken tags, and the version still names exactly one state of the aggregate.
 * Several tags cannot become one expected version, so they are refused like any other malformed value.
 */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header.join(',') : header).trim();
  if (value === '*') return undefined;
  const match = ENTITY_TAG.exec(value);
  if (!match) throw new ApiErrorException('validation_failed', 'If-Match: must be one entity tag like "3" or W/"3"');
  return Number(match[1]);
}
