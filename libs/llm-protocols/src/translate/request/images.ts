import { isJsonObject } from '../../json.guards.js';
import type { JsonObject } from '../../protocol.types.js';
import { objectField, pathOf, refuse, stringField } from '../untranslatable.js';

/** The image types Anthropic accepts. */
const ANTHROPIC_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/**
 * An OpenAI image URL → an Anthropic image block: a base64 data URL becomes a base64 source, an http(s) URL a url
 * source (Anthropic fetches it). OpenAI's `detail` has no Anthropic equivalent and is left out.
 */
export function anthropicImageOf(url: string, field: string): JsonObject {
  const data = DATA_URL.exec(url);
  if (data !== null) {
    const mediaType = (data[1] ?? '').toLowerCase();
    if (!ANTHROPIC_IMAGE_TYPES.has(mediaType)) refuse(field, `image type ${mediaType} is not accepted by Anthropic (jpeg, png, gif, webp)`);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: data[2] ?? '' } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  return refuse(field, 'must be an http(s) URL or a base64 data: URL');
}

/** An Anthropic image block → the URL an OpenAI `image_url` part carries. */
export function openAiImageUrlOf(block: JsonObject, field: string): string {
  const sourceField = pathOf(field, 'source');
  const source = objectField(block['source'], sourceField);
  const type = source['type'];
  if (type === 'base64') {
    const mediaType = stringField(source['media_type'], pathOf(sourceField, 'media_type'));
    return `data:${mediaType};base64,${stringField(source['data'], pathOf(sourceField, 'data'))}`;
  }
  if (type === 'url') return stringField(source['url'], pathOf(sourceField, 'url'));
  return refuse(pathOf(sourceField, 'type'), 'only base64 and url image sources can be translated to OpenAI');
}

/** Chat's `image_url` part: `{url, detail?}`, or a bare URL string some clients send. */
export function chatImageUrlOf(part: JsonObject, field: string): string {
  const image = part['image_url'];
  if (typeof image === 'string') return image;
  const imageField = pathOf(field, 'image_url');
  return stringField(objectField(image, imageField)['url'], pathOf(imageField, 'url'));
}

/** Responses' `input_image` part: `{image_url}`; an uploaded `file_id` lives at OpenAI and cannot be sent elsewhere. */
export function responsesImageUrlOf(part: JsonObject, field: string): string {
  if (part['file_id'] !== undefined && part['file_id'] !== null) refuse(pathOf(field, 'file_id'), 'files uploaded to OpenAI cannot be sent to Anthropic');
  return stringField(part['image_url'], pathOf(field, 'image_url'));
}

export const isTextBlock = (value: unknown): value is JsonObject & { text: string } =>
  isJsonObject(value) && value['type'] === 'text' && typeof value['text'] === 'string';
