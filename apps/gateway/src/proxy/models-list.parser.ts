import type { DiscoveredModel } from '@switchboard/contracts';
import { z } from 'zod';

type Discovered = z.infer<typeof DiscoveredModel>;

const MAX_MODELS = 5000;

/** OpenAI `{data:[{id, created (unix s)}]}`, Anthropic `{data:[{id, created_at (ISO)}]}`; vLLM and others follow OpenAI. */
const ModelsList = z.object({
  data: z.array(
    z.looseObject({
      id: z.string().min(1).max(200),
      created: z.number().optional(),
      created_at: z.string().optional(),
    }),
  ),
});

/** The models an upstream lists, or null when its answer is not a model list. */
export function discoveredModels(json: unknown): Discovered[] | null {
  const parsed = ModelsList.safeParse(json);
  if (!parsed.success) return null;
  return parsed.data.data.slice(0, MAX_MODELS).map((m) => ({ upstreamModel: m.id, createdAt: createdAt(m.created, m.created_at) }));
}

function createdAt(unixSeconds: number | undefined, iso: string | undefined): string | null {
  if (iso !== undefined && Number.isFinite(Date.parse(iso))) return new Date(Date.parse(iso)).toISOString();
  if (unixSeconds !== undefined && Number.isFinite(unixSeconds) && unixSeconds > 0) return new Date(unixSeconds * 1000).toISOString();
  return null;
}
