import { z } from 'zod';
import { ConfigError } from './config.errors.js';

/** The management API's error body (API.md, "Errors"); details such as `dependents` ride along. */
const ApiErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }).passthrough() });

/** A refusal by the API: its status, code and message, as it gave them. */
export class ApiRefusal extends ConfigError {
  constructor(
    readonly status: number,
    readonly apiCode: string,
    readonly apiMessage: string,
    readonly body: Readonly<Record<string, unknown>>,
  ) {
    super('api_refused', `${status} ${apiCode}: ${apiMessage}`);
    this.name = 'ApiRefusal';
  }
}

export interface Answer<T> {
  readonly value: T;
  /** The ETag header (`"3"`), when the route sends one. */
  readonly etag: string | null;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly ifMatch?: string;
}

/** The version a view carries, as the entity tag GET would answer for it. */
export const etagOfVersion = (version: number): string => `"${version}"`;

const PAGE_LIMIT = 1000;

/**
 * REST over the global fetch, with a tenant admin key. Every answer is parsed by the API's own contract (zod,
 * from @switchboard/contracts): a body that is not what the contract says is an error, not a guess.
 */
export class SwitchboardClient {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async request<S extends z.ZodType>(method: string, path: string, schema: S, options: RequestOptions = {}): Promise<Answer<z.output<S>>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new ConfigError('api_unreachable', `${method} ${path}: ${this.baseUrl} cannot be reached (${cause})`);
    }
    const text = await response.text();
    const json = parseJson(text);
    if (!response.ok) {
      const parsed = ApiErrorBody.safeParse(json);
      if (!parsed.success) throw new ConfigError('api_unreachable', `${method} ${path}: answered ${response.status} without an error body`);
      const { code, message, ...rest } = parsed.data.error;
      throw new ApiRefusal(response.status, code, message, { ...rest, ...omitError(json) });
    }
    const parsed = schema.safeParse(response.status === 204 ? {} : json);
    if (!parsed.success) {
      throw new ConfigError('api_unreachable', `${method} ${path}: the answer does not match the API's contract (${parsed.error.issues[0]?.path.join('.') ?? ''})`);
    }
    return { value: parsed.data, etag: response.headers.get('etag') };
  }

  /** Every item of a list route, page after page. */
  async listAll<S extends z.ZodType>(path: string, item: S): Promise<z.output<S>[]> {
    const page = z.object({ data: z.array(item), nextCursor: z.string().nullable() });
    const items: z.output<S>[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: String(PAGE_LIMIT), ...(cursor === null ? {} : { cursor }) });
      const answer: Answer<z.output<typeof page>> = await this.request('GET', `${path}?${query.toString()}`, page);
      items.push(...answer.value.data);
      cursor = answer.value.nextCursor;
    } while (cursor !== null);
    return items;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function omitError(json: unknown): Record<string, unknown> {
  if (typeof json !== 'object' || json === null) return {};
  const { error: _error, ...rest } = json as Record<string, unknown>;
  return rest;
}
