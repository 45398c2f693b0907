/** A model an upstream listed, with its creation time when the listing gave one. */
export interface ListedModel {
  readonly upstreamModel: string;
  readonly createdAt: string | null;
}

/**
 * Models that do not answer chat: embeddings, speech, transcription, images, moderation, search and legacy
 * completion models. Matched on the id's words, as the providers name them.
 */
const NOT_CHAT = /(embed|whisper|tts|dall-e|moderation|image|audio|realtime|transcribe|search|davinci|babbage|speech|rerank)/i;

/**
 * The default model discovery picks for a provider that has none (README, "Models"): among the listed models
 * that answer chat, the most recently created (by the upstream's own date; models without one count as oldest),
 * ties broken by id in ascending order; null when no listed model answers chat.
 */
export function pickDefaultModel(listed: readonly ListedModel[]): string | null {
  let best: { readonly id: string; readonly at: number } | null = null;
  for (const model of listed) {
    if (NOT_CHAT.test(model.upstreamModel)) continue;
    const parsed = model.createdAt === null ? Number.NaN : Date.parse(model.createdAt);
    const at = Number.isFinite(parsed) ? parsed : Number.NEGATIVE_INFINITY;
    if (best === null || at > best.at || (at === best.at && model.upstreamModel < best.id)) best = { id: model.upstreamModel, at };
  }
  return best?.id ?? null;
}
