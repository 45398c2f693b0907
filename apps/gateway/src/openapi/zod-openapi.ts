import { applyDecorators } from '@nestjs/common';
import type { SchemaObject } from '@nestjs/swagger';
import { ApiBody, ApiHeader, ApiQuery, ApiResponse } from './openapi.decorators.js';
import { PAGE_DEFAULT_LIMIT, PAGE_MAX_LIMIT } from '@switchboard/contracts';
import { z } from 'zod';

/**
 * The OpenAPI document is generated from the same zod schemas that validate requests, so the docs cannot
 * drift from what the gateway accepts. Refinements (cross-field rules) have no JSON Schema form and are
 * described by the 400 message instead.
 */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output'): SchemaObject {
  const json: unknown = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });
  return json as SchemaObject;
}

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), dependents: z.unknown().optional() }),
});

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'validation_failed: the message names the field',
  401: 'unauthorized: missing, unknown or revoked key',
  403: 'forbidden: this key role may not do this',
  404: 'not found (also for another tenant’s ids)',
  409: 'conflict: name taken, still in use (with dependents), or quota_exceeded',
  412: 'version_conflict: If-Match is stale',
  413: 'body larger than 1 MiB',
  415: 'Content-Type must be application/json',
  501: 'not_implemented',
  503: 'unavailable: a dependency is down; see Retry-After',
};

export function ApiJsonBody(schema: z.ZodType): MethodDecorator {
  return ApiBody({ schema: openApiSchema(schema, 'input') });
}

export function ApiJsonResponse(status: number, description: string, schema?: z.ZodType): MethodDecorator {
  return ApiResponse({ status, description, ...(schema ? { schema: openApiSchema(schema, 'output') } : {}) });
}

export function ApiErrors(...statuses: number[]): MethodDecorator {
  const errorSchema = openApiSchema(ErrorBody, 'output');
  return applyDecorators(
    ...[401, 503, ...statuses].map((status) =>
      ApiResponse({ status, description: ERROR_DESCRIPTIONS[status] ?? 'error', schema: errorSchema }),
    ),
  );
}

export function ApiIfMatch(): MethodDecorator {
  return ApiHeader({ name: 'If-Match', required: false, description: 'the ETag read before, e.g. "3" or W/"3"; stale → 412' });
}

export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

/** `?limit&cursor` of a list route (its answer: `pageOf(item)` from contracts). */
export function ApiPageQuery(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'limit', required: false, description: `at most this many items (default ${PAGE_DEFAULT_LIMIT}, at most ${PAGE_MAX_LIMIT}); a page may hold fewer and still have a nextCursor` }),
    ApiQuery({ name: 'cursor', required: false, description: 'the nextCursor of the page before (opaque); absent for the first page' }),
  );
}
