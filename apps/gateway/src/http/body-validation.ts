import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ApiErrorException } from './api-error.exception.js';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** Plain words for the generic issues; schema-specific messages ("must not be empty") win over these. */
function plainMessage(issue: RawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? 'is required' : `must be ${article(String(issue.expected))}`;
  }
  if (issue.code === 'invalid_value' && Array.isArray(issue.values)) {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return undefined;
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out || 'body';
}

/** The first issue, prefixed with the field it is about: `name: must not be empty`. */
export function describeIssue(issue: Issue): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (issue.path.length ? `${pathOf(issue.path)}.${k}` : k));
    return `${keys.join(', ')}: ${keys.length > 1 ? 'are not known fields' : 'is not a known field'}`;
  }
  return `${pathOf(issue.path)}: ${issue.message}`;
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body, { error: plainMessage });
  if (parsed.success) return parsed.data;
  throw new ApiErrorException('validation_failed', describeIssue(parsed.error.issues[0]));
}

/** `@Body(new ZodBodyPipe(Schema))`: one schema at the boundary; the handler gets the parsed value. */
export class ZodBodyPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    return parseBody(this.schema, value);
  }
}
