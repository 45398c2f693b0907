/** Request-field parsing of the KMS emulator, with the error types AWS KMS answers for bad fields. */
export type Json = Record<string, unknown>;
export type Context = Record<string, string>;

export class KmsFault extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export function optionalString(body: Json, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw new KmsFault('ValidationException', `${field} must be a non-empty string`);
  return value;
}

export function requiredString(body: Json, field: string): string {
  const value = optionalString(body, field);
  if (value === undefined) throw new KmsFault('ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  return value;
}

export function requiredBlob(body: Json, field: string, maxBytes: number): Buffer {
  const b64 = requiredString(body, field);
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.toString('base64') !== b64) throw new KmsFault('SerializationException', `${field} is not base64`);
  if (bytes.length < 1 || bytes.length > maxBytes) throw new KmsFault('ValidationException', `${field} must be 1 to ${maxBytes} bytes`);
  return bytes;
}

export function contextOf(body: Json, field: string): Context {
  const value = body[field];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new KmsFault('ValidationException', `${field} must map strings to strings`);
  }
  return value as Context;
}

export function dataKeyLength(body: Json): number {
  const spec = body['KeySpec'];
  const bytes = body['NumberOfBytes'];
  if ((spec === undefined) === (bytes === undefined)) throw new KmsFault('ValidationException', 'specify exactly one of KeySpec or NumberOfBytes');
  if (spec === 'AES_256') return 32;
  if (spec === 'AES_128') return 16;
  if (typeof bytes === 'number' && Number.isInteger(bytes) && bytes >= 1 && bytes <= 1024) return bytes;
  throw new KmsFault('ValidationException', 'KeySpec must be AES_256 or AES_128; NumberOfBytes 1 to 1024');
}
