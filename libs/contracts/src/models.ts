import { z } from 'zod';
import { Name, Usd } from './common.js';

export const ModelSource = z.enum(['discovered', 'manual']);

export const CreateModelBody = z.strictObject({
  name: Name,
  upstreamModel: z.string().trim().min(1).max(200).optional(),
  inputUsdPerMTok: Usd.optional(),
  outputUsdPerMTok: Usd.optional(),
  /** Input tokens read from the provider's prompt cache; defaults to the catalogue's figure, else the input price. */
  cachedInputUsdPerMTok: Usd.optional(),
});
export type CreateModelBody = z.infer<typeof CreateModelBody>;

/**
 * A model's resolved price in USD per million tokens: the tenant's figures where set, the bundled price
 * catalogue's otherwise. `catalogModel` names the catalogue entry that supplied a figure (`openai/gpt-4o`).
 */
export const ModelPrice = z.object({
  inputUsdPerMTok: z.number().min(0),
  outputUsdPerMTok: z.number().min(0),
  cachedInputUsdPerMTok: z.number().min(0),
  source: z.enum(['override', 'catalog']),
  catalogModel: z.string().nullable(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

export const ModelView = z.object({
  id: z.string(),
  providerId: z.string(),
  name: z.string(),
  upstreamModel: z.string(),
  source: ModelSource,
  /** Null when neither the tenant nor the catalogue prices the model. */
  price: ModelPrice.nullable(),
  priceKnown: z.boolean(),
  createdAt: z.string(),
});
export type ModelView = z.infer<typeof ModelView>;
