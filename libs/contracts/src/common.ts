import { z } from 'zod';

/** Display names: trimmed, 1–100 printable characters. */
export const Name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'is not a valid id');

export const HttpUrl = z
  .string()
  .max(2048)
  .url('must be an absolute URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must use http or https');

/** USD amounts: non-negative, finite, at most a billion. */
export const Usd = z.number().finite().min(0, 'must not be negative').max(1e9);

/** Optimistic concurrency: the version a client read (ETag), when it sent If-Match. */
export const ExpectedVersion = z.number().int().min(0).optional();

export const Timestamp = z.string();
