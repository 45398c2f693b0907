import type { DiscoveredModel } from '@switchboard/contracts';
import { z } from 'zod';

type Discovered = z.infer<typeof DiscoveredModel>;

/** The most models discovery keeps of one provider, over all pages. */
export const MAX_MODELS = 5000;

/**
 * OpenAI `{data:[{id, created (unix s)}]}`, Anthropic `{data:[{id, created_at (ISO)}], has_more, last_id}`; vLLM and
 * others follow OpenAI. A list with `has_more: true` continues after its `last_id`.
 */
const ModelsList = z.object({
  data: z.array(
    z.looseObject({
      id: z.string().min(1).max(200),
      created: z.number().optional(),
      created_at: z.string().optional(),
    }),
  ),
  has_more: z.boolean().optional(),
  last_id: z.string().min(1).max(200).nullable().optional(),
});

/** One page of an upstream's model list: its models, and the id the next page starts after (null on the last). */
export interface ModelsPage {
  readonly models: Discovered[];
  readonly after: string | null;
}

/** A page of the models an upstream lists, or null when its answer is not a model list. */
export function discoveredModels(json: unknown): ModelsPage | null {
  const parsed = ModelsList.safeParse(json);
  if (!parsed.success) return null;
  const { data, has_more: more, last_id: lastId } = parsed.data;
  const after = more === true ? (lastId ?? data[data.length - 1]?.id ?? null) : null;
  return { models: data.slice(0, MAX_MODELS).map((m) => ({ upstreamModel: m.id, createdAt: createdAt(m.created, m.created_at) })), after };
}

function createdAt(unixSeconds: number | undefined, iso: string | undefined): string | null {
  if (iso !== undefined && Number.isFinite(Date.parse(iso))) return new Date(Date.parse(iso)).toISOString();
  if (unixSeconds !== undefined && Number.isFinite(unixSeconds) && unixSeconds > 0) return new Date(unixSeconds * 1000).toISOString();
  return null;
}
