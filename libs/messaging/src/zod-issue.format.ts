import type { z } from 'zod';

/** `providers[0].name: must not be empty` — the first issue, prefixed with where it is. */
export function formatIssue(issue: z.ZodError['issues'][number]): string {
  const path = formatPath(issue.path);
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** The message a caller sees for a failed parse: its first issue, path-prefixed. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? formatIssue(issue) : 'invalid input';
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

export function describeIssues(error: z.ZodError, limit = 10): { path: string; message: string }[] {
  return error.issues.slice(0, limit).map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}
