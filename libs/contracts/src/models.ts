import { z } from 'zod';
import { Name, Usd } from './common.js';

export const ModelSource = z.enum(['discovered', 'manual']);

export const CreateModelBody = z.strictObject({
  name: Name,
  upstreamModel: z.string().trim().min(1).max(200).optional(),
  inputUsdPerMTok: Usd.optional(),
  outputUsdPerMTok: Usd.optional(),
});
export type CreateModelBody = z.infer<typeof CreateModelBody>;

export const ModelPrice = z.object({ inputUsdPerMTok: z.number().nullable(), outputUsdPerMTok: z.number().nullable() });

export const ModelView = z.object({
  id: z.string(),
  providerId: z.string(),
  name: z.string(),
  upstreamModel: z.string(),
  source: ModelSource,
  price: ModelPrice.nullable(),
  createdAt: z.string(),
});
export type ModelView = z.infer<typeof ModelView>;
