import { z } from 'zod';
import { Id, Name, Usd } from './common.js';

export const Delivery = z.enum(['proxy', 'direct']);
export type Delivery = z.infer<typeof Delivery>;

const ModelName = z.string().trim().min(1).max(200);
/** What the agent may spend on its provider per calendar month (UTC), in USD; null = no budget of its own. */
const MonthlyBudgetUsd = Usd.nullable();

/** The most fallbacks an agent may have: each failed attempt adds an upstream deadline to a call's worst case. */
export const MAX_AGENT_FALLBACKS = 5;
/** A target a call fails over to, in order, when the agent's provider fails before the client got a byte. */
export const AgentFallback = z.strictObject({ providerId: Id, model: ModelName });
export type AgentFallback = z.infer<typeof AgentFallback>;
const AgentFallbacks = z.array(AgentFallback).max(MAX_AGENT_FALLBACKS, `must hold at most ${MAX_AGENT_FALLBACKS} fallbacks`);

export const CreateAgentBody = z.strictObject({
  name: Name,
  providerId: Id,
  model: ModelName.optional(),
  delivery: Delivery.optional(),
  monthlyBudgetUsd: MonthlyBudgetUsd.optional(),
  fallbacks: AgentFallbacks.optional(),
});
export type CreateAgentBody = z.infer<typeof CreateAgentBody>;

export const UpdateAgentBody = z
  .strictObject({
    name: Name.optional(),
    providerId: Id.optional(),
    model: ModelName.nullable().optional(),
    delivery: Delivery.optional(),
    monthlyBudgetUsd: MonthlyBudgetUsd.optional(),
    fallbacks: AgentFallbacks.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field');
export type UpdateAgentBody = z.infer<typeof UpdateAgentBody>;

export const AgentView = z.object({
  id: z.string(),
  name: z.string(),
  providerId: z.string(),
  model: z.string().nullable(),
  delivery: Delivery,
  monthlyBudgetUsd: z.number().nullable(),
  fallbacks: z.array(z.object({ providerId: z.string(), model: z.string() })),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AgentView = z.infer<typeof AgentView>;
